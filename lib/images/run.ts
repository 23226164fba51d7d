import { spawn } from "node:child_process";

/** How many of a failed command's last output lines an error shows. */
export const TAIL_LINES = 20;

/** A builder command that failed; `tail` contains its last output lines. */
export class BuilderCommandError extends Error {
  readonly tail: string[];

  constructor(message: string, tail: string[]) {
    super(message);
    this.name = "BuilderCommandError";
    this.tail = tail;
  }
}

/**
 * Runs `command` (no shell), passes each line of its stdout and stderr to
 * `onLine` as it arrives, and keeps the last TAIL_LINES lines for the error
 * when it fails. Every string in `secrets` is replaced by `***` first.
 */
export function runStreaming(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; onLine?: (line: string) => void; secrets?: string[] } = {},
): Promise<void> {
  const secrets = (options.secrets ?? []).filter((secret) => secret.length > 0);
  const redact = (line: string) => secrets.reduce((text, secret) => text.replaceAll(secret, "***"), line);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const tail: string[] = [];
    const take = (line: string) => {
      const clean = redact(line.replace(/\r$/, ""));
      tail.push(clean);
      if (tail.length > TAIL_LINES) tail.shift();
      options.onLine?.(clean);
    };
    for (const stream of [child.stdout, child.stderr]) {
      let partial = "";
      stream.on("data", (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) take(line);
      });
      stream.on("end", () => {
        if (partial !== "") take(partial);
      });
    }
    child.on("error", (error) => {
      reject(new BuilderCommandError(`Failed to start '${command}': ${error.message}`, []));
    });
    child.on("close", (code, signal) => {
      if (code === 0) {
        resolve();
        return;
      }
      const status = signal === null ? `status ${code}` : `signal ${signal}`;
      reject(new BuilderCommandError(`'${command} ${args[0] ?? ""}' exited with ${status}`, tail));
    });
  });
}
