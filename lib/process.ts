import { spawn } from "node:child_process";

/** The outcome of a finished command. */
export interface CommandResult {
  stdout: string;
  stderr: string;
}

/** A command that exited with a non-zero status or could not start. */
export class CommandError extends Error {
  readonly stderr: string;

  constructor(message: string, stderr: string) {
    super(message);
    this.name = "CommandError";
    this.stderr = stderr;
  }
}

/**
 * Runs `command` with `args` (no shell) and resolves with its output; rejects
 * with a CommandError that quotes the last lines of stderr when it fails.
 */
export function runCommand(
  command: string,
  args: string[],
  options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const stdin = options.input === undefined ? "ignore" : "pipe";
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [stdin, "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", (error) => {
      reject(new CommandError(`Failed to start '${command}': ${error.message}`, ""));
    });
    child.on("close", (code) => {
      if (code === 0) {
        resolve({ stdout, stderr });
        return;
      }
      const tail = stderr.trim().split("\n").slice(-8).join("\n");
      reject(new CommandError(`'${command} ${args.join(" ")}' exited with status ${code}:\n${tail}`, stderr));
    });
    if (options.input !== undefined && child.stdin !== null) {
      // A command that exits before reading its input closes the pipe, and its exit status reports the failure.
      child.stdin.on("error", () => {});
      child.stdin.end(options.input);
    }
  });
}

/** Tells whether `command` is on the PATH. */
export async function commandExists(command: string): Promise<boolean> {
  try {
    await runCommand("sh", ["-c", `command -v "$1"`, "sh", command]);
    return true;
  } catch {
    return false;
  }
}
