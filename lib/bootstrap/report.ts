import type { BootstrapReport } from "./run.ts";

const STATUS_LABELS = {
  changed: "changed",
  unchanged: "already done",
  pending: "would run",
  failed: "failed",
  skipped: "skipped",
} as const;

/** Formats the one-line outcome the CLI prints last. */
export function formatOutcome(report: BootstrapReport): string {
  const count = (status: keyof typeof STATUS_LABELS) =>
    report.results.filter((result) => result.status === status).length;
  const parts = report.plan
    ? [`${count("pending")} would run`, `${count("unchanged")} already done`]
    : [`${count("changed")} changed`, `${count("unchanged")} already done`];
  if (count("failed") > 0) parts.push(`${count("failed")} failed`);
  if (count("skipped") > 0) parts.push(`${count("skipped")} skipped`);
  const failed = report.failures.map((failure) => `'${failure.step}' on '${failure.machine}'`);
  const tail = failed.length === 0 ? "" : `; failed: ${failed.join(", ")}`;
  return `Bootstrap ${report.plan ? "plan" : "run"}: ${parts.join(", ")}${tail}.`;
}

/** Formats the job summary: every step's result per machine, then each failure with its output and diagnostics. */
export function formatSummary(report: BootstrapReport, environmentName: string): string {
  const lines = [
    `## Bootstrap of '${environmentName}'${report.plan ? " (plan)" : ""}`,
    "",
    formatOutcome(report),
    "",
    "| machine | step | result | reason |",
    "| --- | --- | --- | --- |",
    ...report.results.map(
      (result) =>
        `| ${result.machine} | ${result.step} | ${STATUS_LABELS[result.status]} | ${result.reason.replaceAll("|", "\\|")} |`,
    ),
  ];
  for (const failure of report.failures) {
    lines.push(
      "",
      `### '${failure.step}' failed on '${failure.machine}'`,
      "",
      "```",
      failure.output,
      "```",
      "",
      "<details><summary>Diagnostics</summary>",
      "",
      "```",
      failure.diagnostics.trimEnd(),
      "```",
      "",
      "</details>",
    );
  }
  return `${lines.join("\n")}\n`;
}

/** Formats every failure with the step's output and the machine's diagnostics, for the file the workflow uploads. */
export function formatDiagnostics(report: BootstrapReport): string {
  return report.failures
    .map((failure) =>
      [
        `#### ${failure.machine}: step '${failure.step}' failed`,
        "== output",
        failure.output,
        failure.diagnostics.trimEnd(),
        "",
      ].join("\n"),
    )
    .join("\n");
}
