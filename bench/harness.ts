// The parts every benchmark section shares: the section interface, the run's
// context, running a command with its wall time, and the alternating runs.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The unit of a row's figures. */
export type Unit = "s" | "ms" | "requests" | "MiB" | "KiB" | "req/s";

/** An aim from the issue, checked against a row. */
export interface AimResult {
  /** The aim as a sentence, such as 'at most half of the alternative's time'. */
  text: string;
  met: boolean;
  /** How far the figure is from the aim, when it is missed. */
  missedBy?: string;
}

/** One measured figure: the median of Mooring's samples beside the median of the alternative's. */
export interface Row {
  /** The measured quantity, such as 'wall time'. */
  measure: string;
  unit: Unit;
  mooring: number;
  /** Undefined for a figure that has no alternative, such as a bundle's size. */
  alternative?: number;
  samples: { mooring: number[]; alternative?: number[] };
  aim?: AimResult;
}

/** A section's outcome: the alternative, the rows and notes for the report. */
export interface SectionOutput {
  /** The command Mooring is compared with, such as 'kubectl apply --server-side -f DIR'. */
  alternative: string;
  rows: Row[];
  /** Sentences shown under the section's table: settings, limits, checks made. */
  notes: string[];
  /** The attempts to reach the section's aims, shown in the closing note when one is missed. */
  tried?: string;
}

/** One benchmark section; bench/sections.ts lists them in the order they run. */
export interface Section {
  /** The name on the command line, such as 'noop'. */
  name: string;
  title: string;
  run(context: BenchContext): Promise<SectionOutput>;
}

/** Settings and shared state of one benchmark run. */
export interface BenchContext {
  /** The repository's root. */
  root: string;
  /** A temporary folder for this run, removed at the end. */
  work: string;
  /** Measured runs per side. */
  runs: number;
  /** Unmeasured runs per side before the measured ones. */
  warmups: number;
  /** Fewer runs, a smaller synthetic system and shorter load tests. */
  quick: boolean;
  /** Services in the synthetic system. */
  services: number;
  /** Seconds each wrk run lasts. */
  loadSeconds: number;
  /** The kubectl matching the local cluster's version. */
  kubectl: string;
  /** The local cluster's kubeconfig. */
  kubeconfig: string;
  log: (line: string) => void;
  /** Registers cleanup to run after every section, such as deleting a namespace. */
  onCleanup: (cleanup: () => Promise<void>) => void;
  /** Setup shared between sections, made once per run by {@link shared}. */
  cache: Map<string, Promise<unknown>>;
}

/** The outcome of one command. */
export interface CommandRun {
  seconds: number;
  stdout: string;
  stderr: string;
  code: number;
  /** Peak resident memory in KiB, when the run was measured with /usr/bin/time. */
  peakKiB?: number;
}

/** Options of {@link runTimed}. */
export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Exit codes other than 0 that count as success, such as 1 for `kubectl diff`. */
  okCodes?: number[];
  /** Called with each line of stdout and the time (performance.now) it arrived. */
  onLine?: (line: string, at: number) => void;
  /** Measure peak resident memory with /usr/bin/time. */
  measureMemory?: boolean;
  /** Seconds after which the command is killed and the run fails; default 900. */
  timeoutSeconds?: number;
}

/** GNU time, for peak resident memory; Debian's package `time`. */
export const GNU_TIME = "/usr/bin/time";

/**
 * Runs a command without a shell and resolves with its wall time in seconds
 * and its output. Rejects when it exits with a code not in `okCodes`.
 */
export async function runTimed(
  command: string,
  args: string[],
  options: RunOptions = {},
): Promise<CommandRun> {
  const memoryFile = join(tmpdir(), `mooring-bench-time-${process.pid}-${process.hrtime.bigint()}`);
  const [file, argv] = options.measureMemory
    ? [GNU_TIME, ["-f", "%M", "-o", memoryFile, command, ...args]]
    : [command, args];
  const started = performance.now();
  const result = await new Promise<Omit<CommandRun, "peakKiB">>((resolve, reject) => {
    const child = spawn(file, argv, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let partial = "";
    child.stdout.on("data", (chunk: Buffer) => {
      const at = performance.now();
      const text = chunk.toString();
      stdout += text;
      if (options.onLine === undefined) return;
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) options.onLine(line, at);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timeoutSeconds = options.timeoutSeconds ?? 900;
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutSeconds * 1000);
    child.on("error", (error) => reject(new Error(`Failed to start '${command}': ${error.message}`)));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const seconds = (performance.now() - started) / 1000;
      if (signal === "SIGKILL" && seconds >= timeoutSeconds) {
        reject(new Error(`'${command} ${args.slice(0, 6).join(" ")} …' timed out after ${timeoutSeconds} s`));
        return;
      }
      const exit = code ?? 1;
      if (exit === 0 || options.okCodes?.includes(exit)) {
        resolve({ seconds, stdout, stderr, code: exit });
        return;
      }
      const tail = `${stderr}\n${stdout}`.trim().split("\n").slice(-12).join("\n");
      reject(new Error(`'${command} ${args.slice(0, 6).join(" ")} …' exited with status ${exit}:\n${tail}`));
    });
  });
  if (!options.measureMemory) return result;
  const text = await readFile(memoryFile, "utf8");
  await rm(memoryFile, { force: true });
  return { ...result, peakKiB: Number(text.trim().split("\n").at(-1)) };
}

/** Tells whether peak memory can be measured, that is whether GNU time is installed. */
export function canMeasureMemory(): boolean {
  return existsSync(GNU_TIME);
}

/** The samples of both sides of a comparison. */
export interface Samples {
  mooring: number[];
  alternative: number[];
}

/**
 * Runs both sides `context.warmups` times unmeasured, then `context.runs`
 * times measured, alternating which side goes first so that a slow drift of
 * the machine weighs on both alike. `prepare` runs before each side's run
 * and is not measured; each side returns the figure of its run.
 */
export async function alternate(
  context: BenchContext,
  label: string,
  sides: { mooring: () => Promise<number>; alternative: () => Promise<number> },
  prepare: (side: "mooring" | "alternative") => Promise<void> = async () => {},
): Promise<Samples> {
  const samples: Samples = { mooring: [], alternative: [] };
  const total = context.warmups + context.runs;
  for (let index = 0; index < total; index++) {
    const order: ("mooring" | "alternative")[] =
      index % 2 === 0 ? ["mooring", "alternative"] : ["alternative", "mooring"];
    for (const side of order) {
      await prepare(side);
      const value = await sides[side]();
      if (index >= context.warmups) samples[side].push(value);
    }
  }
  context.log(
    `${label}: mooring ${formatNumber(median(samples.mooring))}, alternative ${formatNumber(median(samples.alternative))} (median of ${context.runs})`,
  );
  return samples;
}

/** Builds a row from both sides' samples, with their medians. */
export function compareRow(
  measure: string,
  unit: Unit,
  samples: Samples,
  aim?: (row: Row) => AimResult,
): Row {
  const row: Row = {
    measure,
    unit,
    mooring: median(samples.mooring),
    alternative: median(samples.alternative),
    samples: { mooring: samples.mooring, alternative: samples.alternative },
  };
  if (aim !== undefined) row.aim = aim(row);
  return row;
}

/** Builds a row for a figure of Mooring's alone. */
export function soloRow(measure: string, unit: Unit, values: number[], aim?: (row: Row) => AimResult): Row {
  const row: Row = { measure, unit, mooring: median(values), samples: { mooring: values } };
  if (aim !== undefined) row.aim = aim(row);
  return row;
}

/** Checks that Mooring's figure divided by the alternative's is at most `limit`. */
export function ratioAtMost(limit: number, text: string): (row: Row) => AimResult {
  return (row) => {
    const ratio = row.mooring / (row.alternative ?? Number.NaN);
    if (ratio <= limit) return { text, met: true };
    return { text, met: false, missedBy: `ratio ${ratio.toFixed(2)} instead of at most ${limit}` };
  };
}

/** Checks that Mooring's figure is at most `limit`, in the row's unit. */
export function valueAtMost(limit: number, text: string): (row: Row) => AimResult {
  return (row) => {
    if (row.mooring <= limit) return { text, met: true };
    return {
      text,
      met: false,
      missedBy: `${formatNumber(row.mooring)} ${row.unit}, ${formatNumber(row.mooring - limit)} ${row.unit} over ${formatNumber(limit)}`,
    };
  };
}

/** Returns the median of `values`: the middle one, or the mean of the two middle ones. */
export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Formats a figure with three significant digits, or as a whole number from 1000 up. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  if (Math.abs(value) >= 1000 || Number.isInteger(value)) return Math.round(value).toString();
  return value.toPrecision(3);
}

/**
 * Returns the setup stored under `key`, making it with `make` on first use,
 * so that sections run alone or together share one copy.
 */
export function shared<T>(context: BenchContext, key: string, make: () => Promise<T>): Promise<T> {
  let found = context.cache.get(key) as Promise<T> | undefined;
  if (found === undefined) {
    found = make();
    context.cache.set(key, found);
  }
  return found;
}
