import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import Handlebars from "handlebars";
import { RenderError, type RenderProblem } from "./errors.ts";

/** A compiled template: context in, YAML text out. Throws a RenderError naming the template and line. */
export type Template = (context: Record<string, unknown>) => string;

/** The templates of a project's `manifests/` folder, compiled. */
export interface TemplateSet {
  /** Rendered once per environment, by display path (`manifests/environment/namespace.yaml.hbs`). */
  environment: Map<string, Template>;
  /** Rendered once per service. */
  service: Map<string, Template>;
}

/**
 * Reads and compiles every template under `<root>/manifests`: the folders
 * `environment/` and `service/` contain `*.yaml.hbs` templates and `partials/`
 * contains `*.hbs` partials, used as `{{> name}}`. Each file is checked before
 * it is compiled, and every problem in every file is reported in one RenderError.
 */
export async function loadTemplates(root: string): Promise<TemplateSet> {
  const handlebars = createHandlebars();
  const problems: RenderProblem[] = [];

  // 1. Partials, registered by file name without `.hbs`.
  for (const file of await listFiles(root, "partials", ".hbs")) {
    const source = await readFile(join(root, file), "utf8");
    const checked = checkSource(source, file);
    problems.push(...checked);
    if (checked.length > 0) continue;
    const compiled = compileTemplate(handlebars, source, file);
    const name = file.slice("manifests/partials/".length, -".hbs".length);
    handlebars.registerPartial(name, (context: unknown, options?: Handlebars.RuntimeOptions) =>
      compiled(context as Record<string, unknown>, options),
    );
  }

  // 2. Templates.
  const load = async (folder: string) => {
    const templates = new Map<string, Template>();
    for (const file of await listFiles(root, folder, ".yaml.hbs")) {
      const source = await readFile(join(root, file), "utf8");
      const checked = checkSource(source, file);
      problems.push(...checked);
      if (checked.length === 0) templates.set(file, compileTemplate(handlebars, source, file));
    }
    return templates;
  };
  const set = { environment: await load("environment"), service: await load("service") };
  if (set.environment.size === 0 && problems.length === 0) {
    problems.push({ template: "manifests/environment", message: "no templates (*.yaml.hbs) found" });
  }
  if (problems.length > 0) throw new RenderError(problems);
  return set;
}

// One Handlebars instance per template set, so that the partials and helpers
// of one project do not reach another, nor other users of Handlebars.
function createHandlebars(): typeof Handlebars {
  const handlebars = Handlebars.create();

  // Writes any value as JSON, which is valid YAML: a string with ': ', a
  // newline or '{{' stays one quoted scalar and cannot change the document.
  handlebars.registerHelper("yaml", (value: unknown, options: Handlebars.HelperOptions) => {
    if (value === undefined || value === null || typeof value === "function") {
      throw new MissingValueError(locationOf(options));
    }
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw new MissingValueError(locationOf(options));
    }
    return new handlebars.SafeString(toYamlScalar(value));
  });
  handlebars.registerHelper("string", (value: unknown, options: Handlebars.HelperOptions) => {
    if (value === undefined) throw new MissingValueError(locationOf(options));
    return String(value);
  });

  // Strict mode does not check the arguments of helpers, so a misspelt
  // `{{#if nodPort}}` would quietly take the else branch. These block helpers
  // reject undefined, and a context marks a setting as absent with null or false.
  for (const name of ["if", "unless", "each", "with"]) {
    const builtIn = handlebars.helpers[name] as Handlebars.HelperDelegate;
    handlebars.registerHelper(
      name,
      function (this: unknown, value: unknown, options: Handlebars.HelperOptions) {
        if (value === undefined) throw new MissingValueError(locationOf(options));
        return builtIn.call(this, value, options);
      },
    );
  }
  return handlebars;
}

/**
 * Writes a value as JSON, escaping the characters YAML does not allow raw in
 * a double-quoted scalar (DEL, C1 controls, BOM); YAML reads JSON escapes.
 */
export function toYamlScalar(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\u009f\u2028\u2029\ufeff]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function compileTemplate(handlebars: typeof Handlebars, source: string, file: string) {
  const compiled = handlebars.compile(source, { strict: true, noEscape: true });
  return (context: Record<string, unknown>, options?: Handlebars.RuntimeOptions): string => {
    try {
      return compiled(context, options);
    } catch (error) {
      throw toRenderError(error, source, file);
    }
  };
}

// Names the template, line and expression of a failure. A RenderError from a
// partial already names the partial and passes through unchanged.
function toRenderError(error: unknown, source: string, file: string): RenderError {
  if (error instanceof RenderError) return error;
  const lines = source.split("\n");
  if (error instanceof MissingValueError && error.location !== undefined) {
    const { start, end } = error.location;
    const text =
      start.line === end.line
        ? lines[start.line - 1]?.slice(start.column, end.column)
        : lines[start.line - 1]?.slice(start.column);
    // A block helper's location spans its whole block; its opening tag names the value.
    const expression = text?.startsWith("{{#") ? text.slice(0, text.indexOf("}}") + 2) : text;
    return new RenderError([
      { template: file, line: start.line, message: `no value for '${expression?.trim()}'` },
    ]);
  }
  // Strict mode's own lookups fail with a Handlebars exception that carries the position.
  const exception = error as { message?: string; lineNumber?: number; column?: number };
  const missing = /^"([^"]+)" not defined in/.exec(exception.message ?? "");
  if (missing && exception.lineNumber !== undefined) {
    return new RenderError([
      { template: file, line: exception.lineNumber, message: `no value for '${missing[1]}'` },
    ]);
  }
  const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
  return new RenderError([{ template: file, line: exception.lineNumber, message: `failed: ${message}` }]);
}

// Thrown when a helper gets no value; it carries the position of the expression.
class MissingValueError extends Error {
  readonly location: hbs.AST.SourceLocation | undefined;

  constructor(location: hbs.AST.SourceLocation | undefined) {
    super("a helper got no value");
    this.location = location;
  }
}

function locationOf(options: Handlebars.HelperOptions): hbs.AST.SourceLocation | undefined {
  return (options as { loc?: hbs.AST.SourceLocation }).loc;
}

/**
 * Checks template source: it must parse, and every `{{…}}` that writes a
 * value must go through the `yaml` helper. Block helpers (`#if`, `#each`),
 * partials (`{{> name}}`) and comments write nothing of their own.
 */
export function checkSource(source: string, file: string): RenderProblem[] {
  let program: hbs.AST.Program;
  try {
    program = Handlebars.parse(source);
  } catch (error) {
    const { lineNumber } = error as { lineNumber?: number };
    const message = (error as Error).message.split("\n")[0] ?? "";
    return [{ template: file, line: lineNumber, message: `invalid Handlebars: ${message}` }];
  }
  const problems: RenderProblem[] = [];
  const lines = source.split("\n");
  const walk = (node: hbs.AST.Node) => {
    if (node.type === "MustacheStatement") {
      const mustache = node as hbs.AST.MustacheStatement;
      const path = mustache.path as hbs.AST.PathExpression;
      if (path.original !== "yaml") {
        const { start, end } = mustache.loc;
        const text =
          start.line === end.line ? lines[start.line - 1]?.slice(start.column, end.column) : path.original;
        problems.push({
          template: file,
          line: start.line,
          message: `'${text}' writes a value without the 'yaml' helper; write '{{yaml …}}' so that the value is quoted`,
        });
      }
    }
    if (node.type === "BlockStatement") {
      const block = node as hbs.AST.BlockStatement;
      block.program?.body.forEach(walk);
      block.inverse?.body.forEach(walk);
    }
  };
  program.body.forEach(walk);
  return problems;
}

async function listFiles(root: string, folder: string, suffix: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(join(root, "manifests", folder));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return names
    .filter((name) => name.endsWith(suffix))
    .sort()
    .map((name) => `manifests/${folder}/${name}`);
}
