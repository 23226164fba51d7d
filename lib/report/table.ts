/** Formats rows as a plain-text table with a header and aligned columns. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** Shortens `sha256:0123…` to its first 12 hex digits, as container tools show it. */
export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:([0-9a-f]{12})[0-9a-f]*$/, "sha256:$1");
}
