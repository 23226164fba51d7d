import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { isNode, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import type { ConfigProblem } from "./errors.ts";

/** A YAML file checked against a zod schema: the value, or every problem found in it. */
export type CheckedFile<T> = { ok: true; value: T } | { ok: false; problems: ConfigProblem[] };

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
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : String(error);
    return { ok: false, problems: [{ file, path: "", message: reason }] };
  }
  return checkYamlText(text, file, schema);
}

/** Checks YAML text against `schema`; `file` names it in problems. */
export function checkYamlText<T>(text: string, file: string, schema: z.ZodType<T>): CheckedFile<T> {
  // 1. Parse, keeping positions for the error messages.
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    const problems = document.errors.map((error) => ({
      file,
      line: lineCounter.linePos(error.pos[0]).line,
      path: "",
      message: `invalid YAML: ${error.message.split("\n")[0]}`,
    }));
    return { ok: false, problems };
  }

  // 2. Check the data against the schema.
  const result = schema.safeParse(document.toJS(), { reportInput: true });
  if (result.success) {
    return { ok: true, value: result.data };
  }
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.map(String);
    return {
      file,
      line: lineOf(document, lineCounter, path),
      path: path.join("."),
      message: describeIssue(issue),
    };
  });
  return { ok: false, problems };
}

const TYPE_NAMES: Record<string, string> = {
  int: "an integer",
  number: "a number",
  string: "a string",
  boolean: "true or false",
  object: "a mapping",
  array: "a list",
};

// One sentence per schema issue: what was expected, and the value found.
function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type") {
    const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
    return issue.input === undefined
      ? `missing; expected ${expected}`
      : `expected ${expected}, got ${JSON.stringify(issue.input)}`;
  }
  if (issue.code === "unrecognized_keys") {
    return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((key) => `'${key}'`).join(", ")}`;
  }
  if ((issue.code === "too_small" || issue.code === "too_big") && issue.input !== undefined) {
    return `${issue.message}, got ${JSON.stringify(issue.input)}`;
  }
  return issue.message;
}

// The line of the deepest node that exists along `path`.
function lineOf(
  document: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
  path: string[],
): number | undefined {
  for (let length = path.length; length >= 0; length--) {
    const node = length === 0 ? document.contents : document.getIn(path.slice(0, length), true);
    if (isNode(node) && node.range) {
      return lineCounter.linePos(node.range[0]).line;
    }
  }
  return undefined;
}
