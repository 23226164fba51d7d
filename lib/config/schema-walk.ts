import type { z } from "zod";

// Walks zod schemas to learn which keys a mapping takes, for "did you mean"
// hints and for the null-filled values templates read.

/**
 * Lists the keys that `schema` accepts for the mapping at `path` of `input`,
 * or undefined when the schema there is not a fixed set of keys. A
 * discriminated union contributes the keys of the option that `input` selects.
 */
export function knownKeysAt(schema: z.ZodType, path: PropertyKey[], input: unknown): string[] | undefined {
  let current: z.core.$ZodType | undefined = unwrap(schema);
  let value = input;
  for (const step of path) {
    current = current === undefined ? undefined : childSchema(current, step, value);
    value = (value as Record<PropertyKey, unknown> | undefined)?.[step];
    if (current === undefined) return undefined;
  }
  return current === undefined ? undefined : objectKeys(current, value);
}

type Def = {
  type: string;
  shape?: Record<string, z.core.$ZodType>;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  valueType?: z.core.$ZodType;
  element?: z.core.$ZodType;
  options?: z.core.$ZodType[];
  discriminator?: string;
};

function definition(schema: z.core.$ZodType): Def {
  return schema._zod.def as unknown as Def;
}

// Strips the wrappers that do not change which keys a mapping takes.
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (;;) {
    const def = definition(current);
    if (
      ["optional", "default", "nullable", "readonly", "prefault", "catch"].includes(def.type) &&
      def.innerType
    ) {
      current = def.innerType;
    } else if (def.type === "pipe" && def.in) {
      current = def.in;
    } else {
      return current;
    }
  }
}

function childSchema(
  schema: z.core.$ZodType,
  step: PropertyKey,
  value: unknown,
): z.core.$ZodType | undefined {
  const def = definition(schema);
  let child: z.core.$ZodType | undefined;
  if (def.type === "object") child = def.shape?.[String(step)];
  else if (def.type === "record") child = def.valueType;
  else if (def.type === "array") child = def.element;
  else if (def.type === "union") {
    const option = selectOption(def, value);
    child = option === undefined ? undefined : childSchema(option, step, value);
  }
  return child === undefined ? undefined : unwrap(child);
}

function objectKeys(schema: z.core.$ZodType, value: unknown): string[] | undefined {
  const def = definition(schema);
  if (def.type === "object") return Object.keys(def.shape ?? {});
  if (def.type === "union") {
    const option = selectOption(def, value);
    return option === undefined ? undefined : objectKeys(option, value);
  }
  return undefined;
}

// The union option that `value` matches: by the discriminator when there is
// one, else the only option that is a mapping.
function selectOption(def: Def, value: unknown): z.core.$ZodType | undefined {
  const options = (def.options ?? []).map(unwrap);
  const objects = options.filter((option) => definition(option).type === "object");
  if (def.discriminator !== undefined) {
    const tag = (value as Record<string, unknown> | undefined)?.[def.discriminator];
    return objects.find((option) => {
      const literal = definition(option).shape?.[def.discriminator ?? ""];
      const values = (literal?._zod.def as { values?: unknown[] } | undefined)?.values ?? [];
      return values.includes(tag);
    });
  }
  return objects.length === 1 ? objects[0] : undefined;
}

/**
 * Returns a copy of `value` in which every key the schema allows but `value`
 * lacks is null, in mappings at any depth. Templates read settings through
 * strict helpers that reject undefined, so a setting left out must be null.
 */
export function fillAbsentWithNull(schema: z.ZodType, value: unknown): unknown {
  return fill(unwrap(schema), value);
}

function fill(schema: z.core.$ZodType, value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  const def = definition(schema);
  if (Array.isArray(value)) {
    return def.type === "array" && def.element
      ? value.map((item) => fill(unwrap(def.element as z.core.$ZodType), item))
      : value;
  }
  const mapping = value as Record<string, unknown>;
  if (def.type === "record" && def.valueType) {
    const valueType = unwrap(def.valueType);
    return Object.fromEntries(Object.entries(mapping).map(([key, item]) => [key, fill(valueType, item)]));
  }
  const shape = objectShape(schema, value);
  if (shape === undefined) return value;
  const filled: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(mapping)) {
    const child = shape[key];
    filled[key] = child === undefined ? item : fill(unwrap(child), item);
  }
  for (const key of Object.keys(shape)) {
    if (!(key in filled) || filled[key] === undefined) filled[key] = null;
  }
  return filled;
}

function objectShape(schema: z.core.$ZodType, value: unknown): Record<string, z.core.$ZodType> | undefined {
  const def = definition(schema);
  if (def.type === "object") return def.shape;
  if (def.type === "union") {
    const option = selectOption(def, value);
    return option === undefined ? undefined : objectShape(option, value);
  }
  return undefined;
}
