import { spawn } from "node:child_process";
import type { Machine } from "./inventory.ts";

/** SSH client settings: the known-hosts file that authenticates machines, and the runner's private key. */
export interface SshSettings {
  /** known_hosts file every machine's host key must be listed in. */
  knownHostsFile: string;
  /** Private key file; without it, ssh uses the agent and its default keys. */
  identityFile?: string;
}

/** The outcome of one script on one machine. */
export interface RemoteResult {
  /** Exit status of the remote script; 255 when ssh itself failed. */
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** A machine whose SSH host key is not the one the known-hosts value lists. */
export class HostKeyError extends Error {
  constructor(machine: Machine, detail: string) {
    super(
      `SSH host key verification failed for '${machine.name}' (${machine.user}@${machine.address}:${machine.port}): ${detail}. ` +
        "Add the machine's key to the known-hosts value (ssh-keyscan, checked against the machine's console) and run again.",
    );
    this.name = "HostKeyError";
  }
}

const HOST_KEY_FAILURE =
  /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|host key is known for/;

/**
 * Runs `script` with bash under `sudo -n` on `machine`, sending it on stdin,
 * with `args` as its positional parameters. A host key that the known-hosts
 * file does not list stops ssh before any command runs and raises HostKeyError.
 */
export async function runScript(
  machine: Machine,
  settings: SshSettings,
  script: string,
  args: string[],
  timeoutSeconds: number,
): Promise<RemoteResult> {
  const remoteCommand = ["sudo", "-n", "bash", "-s", "--", ...args].join(" ");
  return runSsh(machine, settings, remoteCommand, script, timeoutSeconds);
}

/**
 * Logs in to `machine` and runs only the shell builtin `true`: checks the host
 * key and the login without running any program on the machine.
 */
export function probe(
  machine: Machine,
  settings: SshSettings,
  timeoutSeconds: number,
): Promise<RemoteResult> {
  return runSsh(machine, settings, "true", "", timeoutSeconds);
}

async function runSsh(
  machine: Machine,
  settings: SshSettings,
  remoteCommand: string,
  input: string,
  timeoutSeconds: number,
): Promise<RemoteResult> {
  const args = [...sshOptions(machine, settings), "--", machine.address, remoteCommand];
  const result = await spawnWithTimeout("ssh", args, input, timeoutSeconds);
  if (result.code === 255 && HOST_KEY_FAILURE.test(result.stderr)) {
    const detail = result.stderr.split("\n").filter((line) => HOST_KEY_FAILURE.test(line));
    throw new HostKeyError(machine, lastLine(detail.join("\n")));
  }
  return result;
}

/** Options that make ssh non-interactive and strict about host keys, independent of the user's ssh config. */
export function sshOptions(machine: Machine, settings: SshSettings): string[] {
  const options = [
    "-F",
    "none",
    "-o",
    "BatchMode=yes",
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    `UserKnownHostsFile=${settings.knownHostsFile}`,
    "-o",
    "GlobalKnownHostsFile=/dev/null",
    "-o",
    "ConnectTimeout=15",
    "-o",
    "ServerAliveInterval=15",
    "-o",
    "LogLevel=ERROR",
    "-p",
    String(machine.port),
    "-l",
    machine.user,
  ];
  if (settings.identityFile !== undefined) {
    options.push("-o", "IdentitiesOnly=yes", "-i", settings.identityFile);
  }
  return options;
}

function spawnWithTimeout(
  command: string,
  args: string[],
  input: string,
  timeoutSeconds: number,
): Promise<RemoteResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGTERM");
    }, timeoutSeconds * 1000);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({
        code: 255,
        stdout,
        stderr: `${stderr}failed to start ${command}: ${error.message}\n`,
        timedOut,
      });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 255, stdout, stderr, timedOut });
    });
    // ssh that fails before reading its input closes the pipe; its exit status shows what happened.
    child.stdin.on("error", () => {});
    child.stdin.end(input);
  });
}

function lastLine(text: string): string {
  return text.trim().split("\n").at(-1)?.trim() ?? "";
}
