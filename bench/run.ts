// Runs the benchmark sections against the local cluster and writes
// bench/results.md and bench/results.json. `npm run bench` runs all of them;
// `npm run bench -- noop render` runs the named ones; `--quick` makes a
// shorter run. bench/README.md describes each section.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { availableParallelism, cpus, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { KUBECTL } from "../lib/reconcile/testing.ts";
import type { BenchContext } from "./harness.ts";
import { runTimed } from "./harness.ts";
import { type BenchReport, type SectionReport, writeReport } from "./report.ts";
import { SECTIONS } from "./sections.ts";

const USAGE = `Usage: npm run bench -- [SECTION ...] [options]

Sections: ${SECTIONS.map((section) => section.name).join(", ")} (default: all, in this order)

Options:
  --quick             1 measured run after 1 warm-up, a synthetic system of 40 services, 3-second load tests
  --runs N            measured runs per side (default: 3, quick: 1)
  --warmups N         unmeasured runs per side before them (default: 1)
  --services N        services in the synthetic system (default: 200, quick: 40)
  --load-seconds N    length of each wrk run (default: 10, quick: 3)
  --out DIR           folder for results.md and results.json (default: bench/)`;

const root = join(import.meta.dirname, "..");
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    quick: { type: "boolean", default: false },
    runs: { type: "string" },
    warmups: { type: "string" },
    services: { type: "string" },
    "load-seconds": { type: "string" },
    out: { type: "string", default: join(root, "bench") },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const unknown = positionals.filter((name) => !SECTIONS.some((section) => section.name === name));
if (unknown.length > 0) {
  console.error(`Unknown section '${unknown[0]}'.\n\n${USAGE}`);
  process.exit(2);
}
const selected =
  positionals.length === 0 ? SECTIONS : SECTIONS.filter((section) => positionals.includes(section.name));

// 1. The run's settings and a work folder.
const work = await mkdtemp(join(tmpdir(), "mooring-bench-"));
const cleanups: (() => Promise<void>)[] = [];
const context: BenchContext = {
  root,
  work,
  quick: values.quick,
  runs: wholeNumber("runs", values.runs, values.quick ? 1 : 3),
  warmups: wholeNumber("warmups", values.warmups, 1),
  services: wholeNumber("services", values.services, values.quick ? 40 : 200),
  loadSeconds: wholeNumber("load-seconds", values["load-seconds"], values.quick ? 3 : 10),
  kubectl: KUBECTL,
  kubeconfig: join(root, ".mooring", "kubeconfig"),
  log: (line) => console.error(`bench: ${line}`),
  onCleanup: (cleanup) => cleanups.push(cleanup),
  cache: new Map(),
};

// 2. Each section; one that fails is reported and the others still run.
const sections: SectionReport[] = [];
try {
  await runTimed(context.kubectl, ["--kubeconfig", context.kubeconfig, "get", "--raw", "/readyz"]).catch(
    (error) => {
      throw new Error(
        `The local cluster is not reachable; start it with 'npm run cluster:up'. ${(error as Error).message}`,
      );
    },
  );
  for (const section of selected) {
    context.log(`${section.name}: ${section.title}`);
    const started = performance.now();
    try {
      const output = await section.run(context);
      sections.push({ name: section.name, title: section.title, ...output, seconds: elapsed(started) });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      context.log(`${section.name} failed: ${message}`);
      sections.push({ name: section.name, title: section.title, seconds: elapsed(started), error: message });
    }
    context.log(`${section.name} took ${elapsed(started).toFixed(0)} s`);
  }
} finally {
  for (const cleanup of cleanups.reverse())
    await cleanup().catch((error) => context.log(`cleanup failed: ${error}`));
  await rm(work, { recursive: true, force: true });
}

// 3. The report.
const report: BenchReport = {
  date: new Date().toISOString(),
  arguments: process.argv.slice(2),
  settings: {
    runs: context.runs,
    warmups: context.warmups,
    quick: context.quick,
    services: context.services,
    loadSeconds: context.loadSeconds,
  },
  machine: await describeMachine(),
  versions: await readVersions(),
  sections,
};
await writeReport(values.out, report);
console.log(`wrote ${join(values.out, "results.md")} and results.json`);
process.exitCode = sections.some((section) => section.error !== undefined) ? 1 : 0;

function wholeNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) {
    console.error(`Invalid --${name} '${value}': expected a whole number such as 3`);
    process.exit(2);
  }
  return number;
}

function elapsed(started: number): number {
  return (performance.now() - started) / 1000;
}

async function describeMachine(): Promise<BenchReport["machine"]> {
  const osRelease = await readFile("/etc/os-release", "utf8").catch(() => "");
  return {
    cpu: cpus()[0]?.model.trim() ?? "unknown CPU",
    cpus: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? "unknown OS",
    kernel: release(),
  };
}

// The version of each tool the run used, or 'not installed'.
async function readVersions(): Promise<Record<string, string>> {
  const versions: Record<string, string> = { "Node.js": process.version };
  const firstLine = async (command: string, args: string[], pattern: RegExp) => {
    try {
      const { stdout, stderr } = await runTimed(command, args, { okCodes: [1] });
      return pattern.exec(`${stdout}\n${stderr}`)?.[1] ?? "unknown";
    } catch {
      return "not installed";
    }
  };
  const kubectlVersion = await firstLine(
    context.kubectl,
    ["--kubeconfig", context.kubeconfig, "version", "--short"],
    /Client Version: (\S+)/,
  );
  versions.kubectl = kubectlVersion;
  versions.Kubernetes = await firstLine(
    context.kubectl,
    ["--kubeconfig", context.kubeconfig, "version", "--short"],
    /Server Version: (\S+)/,
  );
  versions.buildah = await firstLine("buildah", ["--version"], /buildah version (\S+)/);
  versions.wrk = await firstLine("wrk", ["--version"], /wrk (\S+)/);
  const commit = await firstLine("git", ["-C", root, "rev-parse", "--short=12", "HEAD"], /^(\S+)/);
  const dirty = await firstLine(
    "git",
    ["-C", root, "status", "--porcelain", "--untracked-files=no"],
    /^(.+)$/m,
  );
  versions["Mooring commit"] = dirty === "unknown" ? commit : `${commit} with uncommitted changes`;
  return versions;
}
