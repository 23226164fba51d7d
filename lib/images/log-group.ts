/** Receives progress lines. */
export type Print = (line: string) => void;

/** Output format of a finished group: `plain` for a terminal, `github` for a GitHub Actions log. */
export type GroupStyle = "plain" | "github";

/**
 * Collects one service's log lines while builds run in parallel, and prints
 * them together when the service is done, so lines of different services do
 * not interleave. In GitHub Actions style the group is folded with
 * `::group::`/`::endgroup::`; in plain style each line is prefixed by the service.
 */
export class LogGroup {
  private readonly lines: string[] = [];

  constructor(
    private readonly name: string,
    private readonly style: GroupStyle,
  ) {}

  /** Adds a line to the group. */
  add(line: string): void {
    this.lines.push(line);
  }

  /**
   * Prints the group under `title` and empties it. In plain style the lines
   * are left out unless `details` is true, so a terminal shows them only where they matter.
   */
  flush(print: Print, title: string, details = true): void {
    if (this.style === "github") {
      print(`::group::${this.name}: ${title}`);
      for (const line of this.lines) print(line);
      print("::endgroup::");
    } else {
      print(`[${this.name}] ${title}`);
      if (details) for (const line of this.lines) print(`[${this.name}]   ${line}`);
    }
    this.lines.length = 0;
  }
}

/** Picks the GitHub Actions style inside a GitHub Actions job, else plain. */
export function defaultGroupStyle(env: NodeJS.ProcessEnv = process.env): GroupStyle {
  return env.GITHUB_ACTIONS === "true" ? "github" : "plain";
}
