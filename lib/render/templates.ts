import { readFile } from "node:fs/promises";
import Handlebars from "handlebars";

/** A compiled template: context in, YAML text out. */
export type Template = (context: Record<string, unknown>) => string;

// One Handlebars instance for Mooring, so helpers never leak into other users.
const handlebars = Handlebars.create();

// Writes any value as JSON, which is valid YAML: a string with ': ', a
// newline or '{{' stays one quoted scalar and cannot change the document.
handlebars.registerHelper("yaml", (value: unknown, options: Handlebars.HelperOptions) => {
  if (value === undefined || typeof value === "function") {
    throw new MissingValueError((options as { loc?: hbs.AST.SourceLocation }).loc);
  }
  return new handlebars.SafeString(JSON.stringify(value));
});
handlebars.registerHelper("string", (value: unknown) => String(value));

/**
 * Reads and compiles a template in strict mode: a value the context lacks is
 * an error, and every `{{…}}` must go through the `yaml` helper.
 */
export async function loadTemplate(path: string, displayPath: string): Promise<Template> {
  const source = await readFile(path, "utf8");
  const unsafe = findUnquotedExpressions(source);
  if (unsafe.length > 0) {
    const list = unsafe.map(
      (expression) => `'{{${expression}}}' on line ${expressionLine(source, expression)}`,
    );
    throw new Error(
      `Template ${displayPath} writes ${list.join(", ")} without the 'yaml' helper; write '{{yaml …}}' so the value is quoted`,
    );
  }
  const compiled = handlebars.compile(source, { strict: true, noEscape: true });
  return (context) => {
    try {
      return compiled(context);
    } catch (error) {
      if (error instanceof MissingValueError && error.location !== undefined) {
        const { start, end } = error.location;
        const expression = source.split("\n")[start.line - 1]?.slice(start.column, end.column);
        throw new Error(
          `Rendering ${displayPath} failed: no value for '${expression}' on line ${start.line}`,
        );
      }
      throw new Error(`Rendering ${displayPath} failed: ${(error as Error).message}`, { cause: error });
    }
  };
}

// Thrown by the `yaml` helper when its argument is undefined: strict mode
// does not check helper arguments, so the helper does.
class MissingValueError extends Error {
  readonly location: hbs.AST.SourceLocation | undefined;

  constructor(location: hbs.AST.SourceLocation | undefined) {
    super("the 'yaml' helper got no value");
    this.location = location;
  }
}

// Mustache expressions that are not `{{yaml …}}`; block helpers (#if, #each) are allowed.
function findUnquotedExpressions(source: string): string[] {
  const found: string[] = [];
  const walk = (node: hbs.AST.Node) => {
    if (node.type === "MustacheStatement") {
      const mustache = node as hbs.AST.MustacheStatement;
      const path = mustache.path as hbs.AST.PathExpression;
      if (path.original !== "yaml") {
        found.push(
          source
            .split("\n")
            [mustache.loc.start.line - 1]?.slice(
              mustache.loc.start.column + 2,
              mustache.loc.end.column - 2,
            ) ?? path.original,
        );
      }
    }
    if (node.type === "BlockStatement") {
      const block = node as hbs.AST.BlockStatement;
      block.program?.body.forEach(walk);
      block.inverse?.body.forEach(walk);
    }
  };
  handlebars.parse(source).body.forEach(walk);
  return found;
}

function expressionLine(source: string, expression: string): number {
  const index = source.indexOf(`{{${expression}}}`);
  return index === -1 ? 0 : source.slice(0, index).split("\n").length;
}
