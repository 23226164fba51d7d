import type { DeployReport, ServiceReport } from "./report.ts";

/** The hidden marker that identifies Mooring's sticky comment on a pull request. */
export const COMMENT_MARKER = "<!-- mooring:preview -->";

/** Formatting options of a report: the run link, and the marker for a comment. */
export interface MarkdownOptions {
  /** The workflow run's URL. */
  runUrl?: string;
  /** Set when the text is a pull request comment: adds the hidden marker. */
  comment?: boolean;
}

const OUTCOME_TITLES: Record<DeployReport["outcome"], string> = {
  success: "✅ Deployed",
  failure: "❌ Deploy failed",
  removed: "🧹 Preview removed",
};

/**
 * Formats a report as Markdown: a heading with the outcome, the URL, a table
 * with one row per service (digest, built or reused, ready replicas), the
 * plan's counts, the failure reason and a link to the run. The job summary
 * and the pull request comment both use it.
 */
export function formatReport(report: DeployReport, options: MarkdownOptions = {}): string {
  const lines: string[] = [];
  if (options.comment) lines.push(COMMENT_MARKER);

  // 1. Heading and URL.
  const target =
    report.namespace === undefined ? report.environment : `${report.environment} (${report.namespace})`;
  lines.push(`### ${OUTCOME_TITLES[report.outcome]}: ${escapeCell(target)}`, "");
  if (report.url !== undefined && report.outcome !== "removed") lines.push(`**URL:** ${report.url}`, "");

  // 2. Services.
  if (report.services.length > 0) {
    lines.push("| Service | Image digest | Image | Ready |", "| --- | --- | --- | --- |");
    for (const service of report.services) lines.push(serviceRow(service));
    lines.push("");
  }

  // 3. Plan.
  if (report.plan !== undefined) {
    const { create, update, unchanged, prune } = report.plan;
    lines.push(
      `**Plan:** ${create} to create, ${update} to update, ${unchanged} unchanged, ${prune} to prune`,
      "",
    );
  }

  // 4. Failure and links.
  if (report.error !== undefined) {
    lines.push("**Failure:**", "", "```", report.error.replaceAll("```", "'''"), "```", "");
  }
  const footer: string[] = [];
  if (report.commit !== undefined) footer.push(`commit \`${report.commit.slice(0, 12)}\``);
  if (report.revision !== undefined) footer.push(`revision ${report.revision}`);
  if (options.runUrl !== undefined) footer.push(`[workflow run](${options.runUrl})`);
  if (footer.length > 0) lines.push(footer.join(" · "));
  return `${lines.join("\n").trimEnd()}\n`;
}

function serviceRow(service: ServiceReport): string {
  const digest = service.digest === undefined ? "–" : `\`${service.digest.slice(0, 19)}…\``;
  const ready =
    service.readyReplicas === undefined ? "–" : `${service.readyReplicas}/${service.replicas ?? "?"}`;
  return `| ${escapeCell(service.service)} | ${digest} | ${service.image ?? "–"} | ${ready} |`;
}

// A value in a table cell must not end the cell or the row.
function escapeCell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}
