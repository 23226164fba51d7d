/** One problem found in a configuration file. */
export interface ConfigProblem {
  /** Path of the file, relative to the project root. */
  file: string;
  /** 1-based line of the offending value, when it is known. */
  line?: number;
  /** Path inside the document, such as `services.time.replicas`. */
  path: string;
  /** The problem and the expected value. */
  message: string;
}

/** Every problem found while loading configuration, reported together. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    super(formatProblems(problems));
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Formats problems one per line as `file:line: path: message`. */
export function formatProblems(problems: ConfigProblem[]): string {
  const lines = problems.map((problem) => {
    const location = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
    const path = problem.path === "" ? "" : `${problem.path}: `;
    return `  ${location}: ${path}${problem.message}`;
  });
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  return `Invalid configuration (${count}):\n${lines.join("\n")}`;
}
