// Writes a benchmark run as bench/results.json (every sample) and
// bench/results.md (medians, ratios and aims, for people).
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { formatNumber, type Row, type SectionOutput } from "./harness.ts";

/** One section's outcome in the report. */
export interface SectionReport extends Partial<SectionOutput> {
  name: string;
  title: string;
  /** Wall-clock seconds the section took, setup included. */
  seconds: number;
  /** The error that stopped the section, when it failed. */
  error?: string;
}

/** Everything one `npm run bench` measured, and where. */
export interface BenchReport {
  date: string;
  /** The arguments given to `npm run bench`. */
  arguments: string[];
  settings: { runs: number; warmups: number; quick: boolean; services: number; loadSeconds: number };
  machine: { cpu: string; cpus: number; memoryGiB: number; os: string; kernel: string };
  versions: Record<string, string>;
  sections: SectionReport[];
}

/** Writes `results.json` and `results.md` into `folder`. */
export async function writeReport(folder: string, report: BenchReport): Promise<void> {
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, "results.json"), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(folder, "results.md"), formatReport(report));
}

/** Formats a report as Markdown: settings, one table per section, then the aims. */
export function formatReport(report: BenchReport): string {
  const { settings, machine, versions } = report;
  const lines = [
    "# Benchmark results",
    "",
    `Written by \`npm run bench${report.arguments.length === 0 ? "" : ` -- ${report.arguments.join(" ")}`}\` on ${report.date}.`,
    `Each figure is the median of ${settings.runs} measured runs per side, after ${settings.warmups} warm-up runs, with the two sides taking turns;`,
    `the synthetic system has ${settings.services} services${settings.quick ? " (a quick run: fewer runs and a smaller system)" : ""}.`,
    "",
    `- Machine: ${machine.cpu}, ${machine.cpus} CPUs, ${machine.memoryGiB} GiB of memory, ${machine.os}, Linux ${machine.kernel}`,
    `- Versions: ${Object.entries(versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(", ")}`,
    "",
    "How to read it: each row puts Mooring's median beside the alternative's, the tool a user would run instead,",
    "on the same machine in the same run. The ratio is Mooring / alternative: below 1 Mooring takes less time,",
    "memory or requests; for requests per second, above 1 Mooring's side serves more. The aim column checks the",
    "row against its aim, and says by how much a missed aim is missed. Raw samples are in `results.json`.",
  ];
  for (const [index, section] of report.sections.entries()) {
    lines.push("", `## ${index + 1}. ${section.title} (\`${section.name}\`)`, "");
    if (section.error !== undefined) {
      lines.push(`Failed after ${section.seconds.toFixed(0)} s: ${section.error}`);
      continue;
    }
    if (section.alternative !== undefined) lines.push(`Alternative: ${section.alternative}.`, "");
    lines.push(formatTable(section.rows ?? []), "");
    for (const note of section.notes ?? []) lines.push(`- ${note}`);
  }
  lines.push("", ...formatAims(report.sections));
  return `${lines.join("\n")}\n`;
}

function formatTable(rows: Row[]): string {
  const lines = [
    "| measure | Mooring | alternative | Mooring / alternative | aim |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const row of rows) {
    const alternative = row.alternative === undefined ? "" : `${formatNumber(row.alternative)} ${row.unit}`;
    const ratio = row.alternative === undefined ? "" : formatRatio(row.mooring, row.alternative);
    const aim = row.aim === undefined ? "" : `${row.aim.met ? "met" : "missed"}: ${row.aim.text}`;
    lines.push(
      `| ${row.measure} | ${formatNumber(row.mooring)} ${row.unit} | ${alternative} | ${ratio} | ${aim} |`,
    );
  }
  return lines.join("\n");
}

function formatRatio(mooring: number, alternative: number): string {
  if (alternative === 0) return mooring === 0 ? "both 0" : "alternative 0";
  return (mooring / alternative).toFixed(2);
}

// The closing note: every aim, met or missed by how much, and what was tried where one is missed.
function formatAims(sections: SectionReport[]): string[] {
  const lines = ["## Aims", ""];
  const missed = sections.filter((section) => section.rows?.some((row) => row.aim?.met === false));
  for (const section of sections) {
    for (const row of section.rows ?? []) {
      if (row.aim === undefined) continue;
      const outcome = row.aim.met ? "met" : `missed: ${row.aim.missedBy}`;
      lines.push(`- ${section.title}, ${row.measure} (${row.aim.text}): ${outcome}`);
    }
  }
  const failed = sections.filter((section) => section.error !== undefined);
  for (const section of failed) lines.push(`- ${section.title}: not measured, the section failed`);
  if (missed.length === 0) return lines;
  lines.push("", "What was tried where an aim is missed:", "");
  for (const section of missed) {
    if (section.tried !== undefined) lines.push(`- ${section.title}: ${section.tried}`);
  }
  return lines;
}
