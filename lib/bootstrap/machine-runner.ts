import type { Machine } from "./inventory.ts";
import { QUERY_SCRIPTS, RESULT_PREFIX, type Step } from "./scripts.ts";
import { type RemoteResult, runScript, type SshSettings } from "./ssh.ts";

/** Outcome of a step on one machine. */
export type StepStatus = "changed" | "unchanged" | "pending" | "failed" | "skipped";

/** One step's outcome on one machine. */
export interface StepResult {
  machine: string;
  step: string;
  status: StepStatus;
  /** Reason the step ran, would run, failed or was skipped. */
  reason: string;
  seconds: number;
}

/** A failed step with what it printed and what the machine's logs show. */
export interface StepFailure {
  machine: string;
  step: string;
  /** The step's stdout and stderr, cut to the last 100 lines. */
  output: string;
  /** journalctl and crictl output gathered from the machine after the failure. */
  diagnostics: string;
}

/** Words the progress lines use for each status. */
const STATUS_LABELS: Record<StepStatus, string> = {
  changed: "changed",
  unchanged: "already done",
  pending: "would run",
  failed: "failed",
  skipped: "skipped",
};

/** Runs steps over SSH, collects their results and failures, and prints progress with `log`. */
export class MachineRunner {
  readonly results: StepResult[] = [];
  readonly failures: StepFailure[] = [];

  constructor(
    readonly ssh: SshSettings,
    private readonly timeoutSeconds: number,
    private readonly plan: boolean,
    private readonly log: (line: string) => void,
    private readonly secrets: string[] = [],
  ) {}

  /** Runs `steps` on `machine` in order; returns false after the first failure, when the rest are skipped. */
  async runSteps(machine: Machine, steps: Step[]): Promise<boolean> {
    for (const [index, step] of steps.entries()) {
      const ok = await this.runStep(machine, step);
      if (!ok) {
        for (const skipped of steps.slice(index + 1)) {
          this.record(machine.name, skipped.name, "skipped", `'${step.name}' failed`, 0);
        }
        return false;
      }
    }
    return true;
  }

  /** Runs one step in plan or apply mode; returns whether it succeeded. */
  async runStep(
    machine: Machine,
    step: Step,
    mode: "plan" | "apply" = this.plan ? "plan" : "apply",
  ): Promise<boolean> {
    const started = Date.now();
    const result = await runScript(machine, this.ssh, step.script, [mode], this.timeoutSeconds);
    const seconds = (Date.now() - started) / 1000;
    const last = result.stdout.trim().split("\n").at(-1) ?? "";
    if (result.code === 0 && last.startsWith(RESULT_PREFIX)) {
      const [status, ...reason] = last.slice(RESULT_PREFIX.length).trim().split(" ");
      this.record(machine.name, step.name, status as StepStatus, reason.join(" "), seconds);
      return true;
    }
    this.record(machine.name, step.name, "failed", this.describeFailure(result), seconds);
    await this.fail(machine, step.name, `${result.stdout}${result.stderr}`);
    return false;
  }

  /** Runs a read-only script and returns its stdout; a failure is recorded under `stepName` and returns undefined. */
  async query(machine: Machine, stepName: string, script: string): Promise<string | undefined> {
    const result = await runScript(machine, this.ssh, script, [], this.timeoutSeconds);
    if (result.code === 0) return result.stdout;
    this.record(machine.name, stepName, "failed", this.describeFailure(result), 0);
    await this.fail(machine, stepName, `${result.stdout}${result.stderr}`);
    return undefined;
  }

  /** Records a result and prints it as one progress line. */
  record(machine: string, step: string, status: StepStatus, reason: string, seconds: number): void {
    const clean = this.redact(reason);
    this.results.push({ machine, step, status, reason: clean, seconds });
    const label = STATUS_LABELS[status];
    this.log(`[${machine}] ${step}: ${label}${clean === "" ? "" : ` (${clean})`}`);
  }

  /** Records a failure with the machine's diagnostics. */
  async fail(machine: Machine, step: string, output: string): Promise<void> {
    const gathered = await runScript(machine, this.ssh, QUERY_SCRIPTS.diagnostics, [], 60).catch(
      (error: Error) => ({ stdout: "", stderr: error.message }),
    );
    this.failures.push({
      machine: machine.name,
      step,
      output: this.redact(tail(output, 100)),
      diagnostics: this.redact(`${gathered.stdout}${gathered.stderr}`),
    });
  }

  private describeFailure(result: RemoteResult): string {
    if (result.timedOut) return `timed out after ${this.timeoutSeconds} seconds`;
    if (/sudo: .*password is required/.test(result.stderr)) {
      return "sudo asked for a password; give the SSH user passwordless sudo (NOPASSWD in /etc/sudoers.d)";
    }
    return `exited with status ${result.code}`;
  }

  private redact(text: string): string {
    return this.secrets.reduce((redacted, secret) => redacted.replaceAll(secret, "<redacted>"), text);
  }

  /** Adds a value that must never appear in results or failures. */
  addSecret(secret: string): void {
    this.secrets.push(secret);
  }
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
