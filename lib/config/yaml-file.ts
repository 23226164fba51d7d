import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { type Document, isMap, isNode, isScalar, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import type { ConfigProblem } from "./errors.ts";
import { knownKeysAt } from "./schema-walk.ts";
import { closestMatch } from "./suggest.ts";

/** Finds the 1-based line of the value at a path inside a parsed file. */
export type LineFinder = (path: PropertyKey[]) => number | undefined;

/** A YAML file checked against a zod schema: the value, or every problem found in it. */
export type CheckedFile<T> =
  | { ok: true; value: T; lineOf: LineFinder }
  | { ok: false; problems: ConfigProblem[]; lineOf: LineFinder };

/**
 * Reads a YAML file and checks it against `schema`. Syntax errors and schema
 * violations come back as problems carrying the file, line and document path.
 */
export async function loadYamlFile<T>(
  path: string,
  schema: z.ZodType<T>,
  projectRoot: string,
): Promise<CheckedFile<T>> {
  const file = relative(projectRoot, path);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const message = describeReadError(error as NodeJS.ErrnoException);
    return { ok: false, problems: [{ file, path: "", message }], lineOf: () => undefined };
  }
  const text = decodeUtf8(bytes);
  if (typeof text !== "string") {
    return { ok: false, problems: [{ file, ...text, path: "" }], lineOf: () => undefined };
  }
  return checkYamlText(text, file, schema);
}

/** Checks YAML text against `schema`; `file` names it in problems. */
export function checkYamlText<T>(text: string, file: string, schema: z.ZodType<T>): CheckedFile<T> {
  // 1. Parse, keeping positions for the error messages.
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineOf: LineFinder = (path) => findLine(document, lineCounter, path.map(String));
  if (document.errors.length > 0) {
    const lines = text.split("\n");
    const problems = document.errors.map((error) => {
      const line = lineCounter.linePos(error.pos[0]).line;
      const key = /^\s*(?:- )?([^:#\s][^:#]*?)\s*:/.exec(lines[line - 1] ?? "")?.[1];
      const reason =
        error.code === "DUPLICATE_KEY" && key !== undefined
          ? `key '${key}' appears twice in one mapping`
          : error.message.split("\n")[0];
      return { file, line, path: "", message: `invalid YAML: ${reason}` };
    });
    return { ok: false, problems, lineOf };
  }
  let data: unknown;
  try {
    data = document.toJS();
  } catch (error) {
    // The yaml package refuses to expand aliases past a limit, which stops an alias bomb ("billion laughs").
    const message = `invalid YAML: ${(error as Error).message}; write the values out instead of repeating aliases`;
    return { ok: false, problems: [{ file, path: "", message }], lineOf };
  }
  if (data === null || data === undefined) {
    return {
      ok: false,
      problems: [{ file, line: 1, path: "", message: "the file is empty; expected a mapping" }],
      lineOf,
    };
  }

  // 2. Check the data against the schema.
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) {
    return { ok: true, value: result.data, lineOf };
  }
  const problems: ConfigProblem[] = [];
  const suggested = new Set<string>();
  for (const issue of result.error.issues) {
    if (issue.code === "unrecognized_keys") {
      // One problem per unknown key, on the key's own line.
      const known = knownKeysAt(schema, issue.path, data) ?? [];
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        const suggestion = closestMatch(key, known);
        if (suggestion !== undefined) suggested.add(formatPath([...issue.path, suggestion]));
        problems.push({
          file,
          line: findKeyLine(document, lineCounter, path.map(String)),
          path: formatPath(path),
          message: unknownKey(key, known, suggestion),
        });
      }
      continue;
    }
    const path = issue.path.map(String);
    const line =
      issue.code === "invalid_key"
        ? findKeyLine(document, lineCounter, path)
        : findLine(document, lineCounter, path);
    problems.push({ file, line, path: formatPath(issue.path), message: describeIssue(issue) });
  }

  // A key reported missing because it was misspelt is reported once, as the misspelling.
  const reported = problems.filter(
    (problem) => !(problem.message.startsWith("missing") && suggested.has(problem.path)),
  );
  return { ok: false, problems: reported, lineOf };
}

/** Formats a document path as messages show it: `services.api.env.PORT`, `dependsOn[0]`. */
export function formatPath(path: PropertyKey[]): string {
  return path
    .map((segment, index) =>
      typeof segment === "number" ? `[${segment}]` : `${index === 0 ? "" : "."}${String(segment)}`,
    )
    .join("");
}

const TYPE_NAMES: Record<string, string> = {
  int: "an integer",
  number: "a number",
  string: "a string",
  boolean: "true or false",
  object: "a mapping",
  record: "a mapping",
  array: "a list",
};

// One sentence per schema issue: what was expected, and the value found.
// The schema's own messages start with "expected" and get the value appended.
function describeIssue(issue: z.core.$ZodIssue): string {
  let input = (issue as { input?: unknown }).input;
  if (
    issue.code === "invalid_union" &&
    "discriminator" in issue &&
    typeof input === "object" &&
    input !== null
  ) {
    // A discriminated union reports the whole mapping; the discriminator's value is what is wrong.
    input = (input as Record<string, unknown>)[String(issue.discriminator)];
  }
  const got = input === undefined ? "" : `, got ${formatValue(input)}`;
  if (issue.code === "invalid_key") {
    const inner = issue.issues[0];
    return `invalid key ${formatValue(input)}: ${inner ? describeIssue({ ...inner, input: undefined } as z.core.$ZodIssue) : issue.message}`;
  }
  if (input === undefined && issue.code === "invalid_type") {
    const expected = issue.message.startsWith("expected")
      ? issue.message
      : `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    return `missing; ${expected}`;
  }
  if (issue.message.startsWith("expected")) return `${issue.message}${got}`;
  if (issue.code === "custom") return issue.message;
  if (issue.code === "invalid_type") return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}${got}`;
  if (issue.code === "invalid_value") {
    return `expected ${issue.values.map((value) => formatValue(value)).join(" or ")}${got}`;
  }
  return `${issue.message}${got}`;
}

function unknownKey(key: string, known: string[], suggestion: string | undefined): string {
  if (key === "<<") return "unknown key '<<': YAML 1.2 has no merge keys, so write the keys out";
  if (suggestion !== undefined) return `unknown key '${key}'; did you mean '${suggestion}'?`;
  if (known.length === 0) return `unknown key '${key}'`;
  return `unknown key '${key}'; expected one of ${known.map((name) => `'${name}'`).join(", ")}`;
}

// A value as a message quotes it: strings in single quotes, the rest as JSON,
// cut at 60 characters.
function formatValue(value: unknown): string {
  const text = typeof value === "string" ? `'${value}'` : JSON.stringify(value);
  const oneLine = text.replaceAll("\n", "\\n");
  return oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine;
}

// The line where the deepest existing node along `path` is written: its key's
// line, or for a list item its own line. A missing value is reported at its
// parent's key, where the reader would add it.
function findLine(document: Document, lineCounter: LineCounter, path: string[]): number | undefined {
  for (let length = path.length; length > 0; length--) {
    if (document.hasIn(path.slice(0, length)))
      return findKeyLine(document, lineCounter, path.slice(0, length));
  }
  const root = document.contents;
  return isNode(root) && root.range ? lineCounter.linePos(root.range[0]).line : undefined;
}

// The line of the key that ends `path`, or of its value when the key is not found.
function findKeyLine(document: Document, lineCounter: LineCounter, path: string[]): number | undefined {
  const parent = path.length === 1 ? document.contents : document.getIn(path.slice(0, -1), true);
  if (isMap(parent)) {
    const pair = parent.items.find((item) => isScalar(item.key) && String(item.key.value) === path.at(-1));
    if (pair && isNode(pair.key) && pair.key.range) return lineCounter.linePos(pair.key.range[0]).line;
  }
  const node = document.getIn(path, true);
  return isNode(node) && node.range ? lineCounter.linePos(node.range[0]).line : undefined;
}

// Describes why a file could not be read, in words rather than as an error code.
function describeReadError(error: NodeJS.ErrnoException): string {
  if (error.code === "ENOENT") return "file not found";
  if (error.code === "EISDIR") return "is a directory; expected a YAML file";
  if (error.code === "EACCES") return "permission denied; the file must be readable";
  return `cannot be read: ${error.message}`;
}

// Decodes a file as UTF-8, or returns the line where it stops being UTF-8
// with a message. A UTF-8 byte order mark is dropped, as YAML allows one.
function decodeUtf8(bytes: Buffer): string | { line: number; message: string } {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    return { line: 1, message: "not UTF-8 text: it starts with a UTF-16 byte order mark; save it as UTF-8" };
  }
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  try {
    return decoder.decode(bytes);
  } catch {
    // A newline byte never occurs inside a multi-byte character, so decoding line by line finds the bad one.
    let start = 0;
    for (let line = 1; ; line++) {
      const end = bytes.indexOf(0x0a, start);
      const slice = bytes.subarray(start, end === -1 ? bytes.length : end);
      try {
        decoder.decode(slice);
      } catch {
        return {
          line,
          message: "not UTF-8 text: invalid byte sequence on this line; save the file as UTF-8",
        };
      }
      if (end === -1) return { line, message: "not UTF-8 text; save the file as UTF-8" };
      start = end + 1;
    }
  }
}
