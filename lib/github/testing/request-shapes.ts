import type { operations } from "@octokit/openapi-types";

/** The JSON request body of an operation in GitHub's OpenAPI description. */
type JsonBody<Operation extends keyof operations> = operations[Operation] extends {
  requestBody?: { content: { "application/json": infer Body } };
}
  ? Body
  : never;

/** The keys of a type that are not optional. */
type RequiredKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? never : K }[keyof T];

/** A check of one field's value; returns the expected form when the value does not match. */
type FieldCheck = (value: unknown) => string | undefined;

/**
 * The rules for one operation's body. The mapped types make the compiler
 * hold them to `@octokit/openapi-types`: `fields` must name every property
 * of the body and no other, and `required` only its required properties.
 */
interface BodyShape<Body> {
  fields: { [K in keyof Required<Body>]: FieldCheck };
  required: Array<RequiredKeys<Body>>;
}

function shape<Operation extends keyof operations>(
  rules: BodyShape<JsonBody<Operation>>,
): { fields: Record<string, FieldCheck>; required: string[] } {
  return rules as unknown as { fields: Record<string, FieldCheck>; required: string[] };
}

const string: FieldCheck = (value) => (typeof value === "string" ? undefined : "a string");
const nullableString: FieldCheck = (value) =>
  value === null || typeof value === "string" ? undefined : "a string or null";
const boolean: FieldCheck = (value) => (typeof value === "boolean" ? undefined : "a boolean");
const integer: FieldCheck = (value) => (Number.isInteger(value) ? undefined : "an integer");
const anything: FieldCheck = () => undefined;
const stringList: FieldCheck = (value) =>
  Array.isArray(value) && value.every((item) => typeof item === "string") ? undefined : "a list of strings";
function oneOf<T extends string>(...values: T[]): FieldCheck {
  return (value) => (values.includes(value as T) ? undefined : `one of ${values.join(", ")}`);
}

/** The body rules of every operation the fake serves with a JSON body, by operation id. */
export const REQUEST_SHAPES = {
  "issues/create-comment": shape<"issues/create-comment">({ fields: { body: string }, required: ["body"] }),
  "issues/update-comment": shape<"issues/update-comment">({ fields: { body: string }, required: ["body"] }),
  "repos/create-deployment": shape<"repos/create-deployment">({
    fields: {
      ref: string,
      task: string,
      auto_merge: boolean,
      required_contexts: stringList,
      payload: anything,
      environment: string,
      description: nullableString,
      transient_environment: boolean,
      production_environment: boolean,
    },
    required: ["ref"],
  }),
  "repos/create-deployment-status": shape<"repos/create-deployment-status">({
    fields: {
      state: oneOf<JsonBody<"repos/create-deployment-status">["state"]>(
        "error",
        "failure",
        "inactive",
        "in_progress",
        "queued",
        "pending",
        "success",
      ),
      target_url: string,
      log_url: string,
      description: string,
      environment: string,
      environment_url: string,
      auto_inactive: boolean,
    },
    required: ["state"],
  }),
  "repos/create-commit-status": shape<"repos/create-commit-status">({
    fields: {
      state: oneOf<JsonBody<"repos/create-commit-status">["state"]>("error", "failure", "pending", "success"),
      target_url: nullableString,
      description: nullableString,
      context: string,
    },
    required: ["state"],
  }),
  "pulls/create": shape<"pulls/create">({
    fields: {
      title: string,
      head: string,
      head_repo: string,
      base: string,
      body: string,
      maintainer_can_modify: boolean,
      draft: boolean,
      issue: integer,
    },
    required: ["head", "base"],
  }),
};

/** An operation id of `REQUEST_SHAPES`. */
export type ShapedOperation = keyof typeof REQUEST_SHAPES;

/**
 * Checks a request body against its operation's shape and returns every
 * problem: a missing required field, a field the operation does not have,
 * or a value of the wrong type.
 */
export function checkRequestBody(operation: ShapedOperation, body: unknown): string[] {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return [`${operation}: the body is not a JSON object`];
  }
  const rules = REQUEST_SHAPES[operation];
  const problems: string[] = [];
  for (const field of rules.required) {
    if (!(field in body)) problems.push(`${operation}: '${field}' is missing`);
  }
  for (const [field, value] of Object.entries(body)) {
    const check = rules.fields[field];
    if (check === undefined) {
      problems.push(`${operation}: '${field}' is not a field of this operation`);
      continue;
    }
    const expected = check(value);
    if (expected !== undefined)
      problems.push(`${operation}: '${field}' is ${JSON.stringify(value)}, expected ${expected}`);
  }
  return problems;
}
