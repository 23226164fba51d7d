import { spawn } from "node:child_process";

/** The exit code of a finished process and everything it printed. */
export interface ProcessOutput {
  code: number;
  /** Its stdout and stderr, interleaved as they arrived. */
  output: string;
}

/**
 * Runs `command` with `args` (no shell) and resolves with its exit code and
 * output, whatever the exit code. A process killed by a signal counts as exit code 1.
 */
export function runProcess(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ProcessOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}
