/** One problem found while rendering: in a template, or in an object it produced. */
export interface RenderProblem {
  /** The template or partial, relative to the project root. */
  template: string;
  /** 1-based line in the template, when known. */
  line?: number | undefined;
  /** The services the template was rendered for when the problem arose, if any. */
  services?: string[];
  /** The object, as `Kind/namespace/name`, when the problem is in a rendered object. */
  object?: string;
  /** Description of the problem and of the expected value. */
  message: string;
}

/**
 * Every problem found while rendering, reported together. The same problem
 * met while rendering for several services is listed once, naming them all.
 * Nothing is rendered when one is thrown.
 */
export class RenderError extends Error {
  readonly problems: RenderProblem[];

  constructor(problems: RenderProblem[]) {
    const merged = mergeProblems(problems);
    super(formatRenderProblems(merged));
    this.name = "RenderError";
    this.problems = merged;
  }
}

/** Formats problems one per line as `template:line (service 'name'): object: message`. */
export function formatRenderProblems(problems: RenderProblem[]): string {
  const lines = problems.map((problem) => {
    let location = problem.line === undefined ? problem.template : `${problem.template}:${problem.line}`;
    const services = problem.services ?? [];
    if (services.length > 0) {
      location += ` (service${services.length > 1 ? "s" : ""} ${services.map((name) => `'${name}'`).join(", ")})`;
    }
    const object = problem.object === undefined ? "" : `${problem.object}: `;
    return `  ${location}: ${object}${problem.message}`;
  });
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  return `Rendering failed (${count}):\n${lines.join("\n")}`;
}

function mergeProblems(problems: RenderProblem[]): RenderProblem[] {
  const merged = new Map<string, RenderProblem>();
  for (const problem of problems) {
    const key = [
      problem.template,
      problem.line,
      problem.object,
      problem.message,
      problem.services === undefined,
    ].join("\u0000");
    const existing = merged.get(key);
    if (existing === undefined) {
      merged.set(key, { ...problem, ...(problem.services ? { services: [...problem.services] } : {}) });
    } else {
      for (const service of problem.services ?? []) {
        if (!existing.services?.includes(service)) existing.services?.push(service);
      }
    }
  }
  return [...merged.values()];
}
