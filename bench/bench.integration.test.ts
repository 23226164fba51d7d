import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import type { Row } from "./harness.ts";
import type { BenchReport, SectionReport } from "./report.ts";

const ROOT = join(import.meta.dirname, "..");
const SERVICES = 3;

const bench = suite("npm run bench at its smallest size");

let out = "";
let report: BenchReport;

bench.before(async () => {
  out = await mkdtemp(join(tmpdir(), "mooring-bench-test-"));
  const result = spawnSync(
    process.execPath,
    [
      join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"),
      join(ROOT, "bench", "run.ts"),
      "render",
      "noop",
      "startup",
      "--runs",
      "1",
      "--warmups",
      "0",
      "--services",
      String(SERVICES),
      "--out",
      out,
    ],
    { cwd: ROOT, encoding: "utf8" },
  );
  assert.is(result.status, 0, `the benchmark failed:\n${result.stderr}\n${result.stdout}`);
  report = JSON.parse(await readFile(join(out, "results.json"), "utf8")) as BenchReport;
});

bench.after(async () => {
  await rm(out, { recursive: true, force: true });
});

function section(name: string): SectionReport {
  const found = report.sections.find((candidate) => candidate.name === name);
  assert.ok(found, `no section '${name}' in the report`);
  assert.is(found.error, undefined);
  return found;
}

function row(name: string, measure: string): Row {
  const found = section(name).rows?.find((candidate) => candidate.measure.startsWith(measure));
  assert.ok(found, `no row '${measure}' in section '${name}'`);
  return found;
}

bench("report describes the machine and versions", async () => {
  assert.ok(report.machine.cpus > 0);
  assert.ok(report.versions["Node.js"]?.startsWith("v"));
  assert.is(report.settings.services, SERVICES);
  const markdown = await readFile(join(out, "results.md"), "utf8");
  assert.match(markdown, "## 1. Render (`render`)");
  assert.match(markdown, "## Aims");
});

bench("render compares every environment", () => {
  const rows = section("render").rows ?? [];
  assert.is(rows.length, 5);
  for (const entry of rows) {
    assert.ok(entry.mooring > 0, entry.measure);
    assert.ok((entry.alternative ?? 0) > 0, entry.measure);
  }
});

bench("no-op deploy writes nothing", () => {
  assert.is(row("noop", "writes").mooring, 0);
  assert.is(row("noop", "dry-run writes").mooring, 0);
});

bench("no-op deploy reads per kind", () => {
  const reads = row("noop", "reads").mooring;
  assert.ok(reads > 0);
  // At most 3 reads for each of the 4 kinds: Namespace, Deployment, Service and NetworkPolicy.
  assert.ok(reads <= 12, `${reads} reads for ${SERVICES} services`);
});

bench("kubectl writes every object", () => {
  // Each synthetic service renders a Deployment, a Service and a NetworkPolicy, besides the Namespace.
  assert.is(row("noop", "writes").alternative, SERVICES * 3 + 1);
});

bench("startup times the action", () => {
  assert.ok(row("startup", "deploy action").mooring > 0);
  assert.ok((section("startup").rows ?? []).some((entry) => entry.measure.includes("actions/deploy/dist")));
});

bench.run();
