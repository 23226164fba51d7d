import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { ConfigError } from "../config/errors.ts";
import { loadProjectFiles } from "../config/load.ts";
import { loadInventory } from "./inventory.ts";
import { removeWorker } from "./remove.ts";
import { formatDiagnostics, formatOutcome, formatSummary } from "./report.ts";
import { type BootstrapReport, bootstrap } from "./run.ts";
import type { SshSettings } from "./ssh.ts";
import { checkKnownHosts, checkPrivateKey } from "./ssh-credentials.ts";

/** Options of `mooring bootstrap`, as the CLI parses them. */
export interface BootstrapCommandOptions {
  env: string;
  plan?: boolean;
  /** Prepare and join only these workers. */
  machine?: string[];
  /** Remove this worker instead of bootstrapping. */
  "remove-worker"?: string;
  /** known_hosts file; without it, MOORING_KNOWN_HOSTS contains the known-hosts lines. */
  "known-hosts"?: string;
  /** Private key file; without it, MOORING_SSH_PRIVATE_KEY contains the key, or else ssh uses its agent. */
  identity?: string;
  /** File to write the Markdown summary to. */
  summary?: string;
  /** File to write failures and diagnostics to; default `.mooring/bootstrap-<env>-diagnostics.txt`. */
  diagnostics?: string;
}

/** The CLI's option definitions for `mooring bootstrap`, merged into the CLI's parseArgs options. */
export const BOOTSTRAP_CLI_OPTIONS = {
  plan: { type: "boolean" },
  machine: { type: "string", multiple: true },
  "remove-worker": { type: "string" },
  "known-hosts": { type: "string" },
  identity: { type: "string" },
  summary: { type: "string" },
  diagnostics: { type: "string" },
} as const;

/** The outcome of {@link runBootstrap}: the report and where the diagnostics went, if anything failed. */
export interface BootstrapOutcome {
  report: BootstrapReport;
  summary: string;
  diagnosticsFile?: string;
}

/**
 * Loads the environment and its inventory, then bootstraps (or plans, or
 * removes a worker) with `print` for progress. Config and SSH setup errors throw.
 */
export async function runBootstrap(
  root: string,
  options: BootstrapCommandOptions,
  print: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<BootstrapOutcome> {
  // 1. The environment (for its kubeconfig path and context) and the inventory.
  const { environment } = await loadProjectFiles(root, options.env);
  const inventory = await loadInventory(root, options.env);

  // 2. SSH settings from files or from the environment variables the workflow fills from secrets.
  const scratch = await mkdtemp(join(tmpdir(), "mooring-ssh-"));
  try {
    const ssh = await sshSettings(options, env, scratch);

    // 3. Run.
    const report =
      options["remove-worker"] !== undefined
        ? await removeWorker({
            inventory,
            ssh,
            name: options["remove-worker"],
            plan: options.plan ?? false,
            log: print,
          })
        : await bootstrap({
            inventory,
            ssh,
            plan: options.plan ?? false,
            kubeconfig: {
              path: resolve(root, environment.cluster.kubeconfig),
              context: environment.cluster.context,
            },
            only: options.machine,
            log: print,
          });

    // 4. Summary, and diagnostics when something failed.
    const summary = formatSummary(report, options.env);
    if (options.summary !== undefined) await writeFile(options.summary, summary);
    let diagnosticsFile: string | undefined;
    if (report.failures.length > 0) {
      diagnosticsFile = resolve(
        root,
        options.diagnostics ?? join(".mooring", `bootstrap-${options.env}-diagnostics.txt`),
      );
      await mkdir(dirname(diagnosticsFile), { recursive: true });
      await writeFile(diagnosticsFile, formatDiagnostics(report), { mode: 0o600 });
    }
    return { report, summary, diagnosticsFile };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** `mooring bootstrap`: prints progress and the outcome; returns the exit code. */
export async function bootstrapCommand(
  root: string,
  options: BootstrapCommandOptions,
  print: (line: string) => void,
): Promise<number> {
  try {
    const { report, diagnosticsFile } = await runBootstrap(root, options, print);
    print(formatOutcome(report));
    for (const failure of report.failures) {
      print(`\n'${failure.step}' failed on '${failure.machine}':\n${failure.output}`);
    }
    if (diagnosticsFile !== undefined) print(`\nDiagnostics from the machines: ${diagnosticsFile}`);
    return report.ok ? 0 : 1;
  } catch (error) {
    print(error instanceof Error ? error.message : String(error));
    return error instanceof ConfigError ? 2 : 1;
  }
}

async function sshSettings(
  options: BootstrapCommandOptions,
  env: NodeJS.ProcessEnv,
  scratch: string,
): Promise<SshSettings> {
  // 1. The known hosts, checked before ssh ever reads them.
  let knownHostsFile = options["known-hosts"];
  if (knownHostsFile !== undefined) {
    const source = `--known-hosts '${knownHostsFile}'`;
    checkKnownHosts(await readOptionFile(knownHostsFile, source), source);
  } else {
    const value = env.MOORING_KNOWN_HOSTS?.trim();
    if (!value) {
      throw new Error(
        "No known hosts: pass --known-hosts FILE or set MOORING_KNOWN_HOSTS to the machines' known_hosts lines (from ssh-keyscan, checked against each machine's console).",
      );
    }
    checkKnownHosts(value, "MOORING_KNOWN_HOSTS");
    knownHostsFile = join(scratch, "known_hosts");
    await writeFile(knownHostsFile, `${value}\n`, { mode: 0o600 });
  }

  // 2. The private key, if one is given; ssh otherwise uses its agent.
  let identityFile = options.identity;
  const key = env.MOORING_SSH_PRIVATE_KEY?.trim();
  if (identityFile !== undefined) {
    const source = `--identity '${identityFile}'`;
    checkPrivateKey(await readOptionFile(identityFile, source), source);
  } else if (key) {
    checkPrivateKey(key, "MOORING_SSH_PRIVATE_KEY");
    identityFile = join(scratch, "id");
    await writeFile(identityFile, `${key}\n`, { mode: 0o600 });
    await chmod(identityFile, 0o600);
  }
  return { knownHostsFile, identityFile };
}

async function readOptionFile(path: string, source: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    let reason = String(error);
    if (code === "ENOENT") reason = "file not found";
    if (code === "EISDIR") reason = "is a directory";
    throw new Error(`Cannot read ${source}: ${reason}`);
  }
}
