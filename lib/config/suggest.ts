/**
 * Returns the candidate closest to `word` when it is close enough to be a
 * likely typo: the same word in another case, or at most one edit away for
 * words up to 4 characters and two edits for longer ones. An edit is an
 * insertion, deletion, substitution or swap of two neighbouring characters.
 */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance =
      candidate.toLowerCase() === word.toLowerCase()
        ? 0
        : editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (best === undefined || distance < best.distance) best = { candidate, distance };
  }
  if (best === undefined) return undefined;
  const allowed = word.length <= 4 ? 1 : 2;
  return best.distance <= allowed ? best.candidate : undefined;
}

// Optimal string alignment distance: Levenshtein plus swaps of neighbours.
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const columns = b.length + 1;
  // Row 0 and column 0 hold the distance from the empty string.
  const table: number[][] = Array.from({ length: rows }, () => new Array<number>(columns).fill(0));
  for (let i = 0; i < rows; i++) (table[i] as number[])[0] = i;
  for (let j = 0; j < columns; j++) (table[0] as number[])[j] = j;
  const at = (i: number, j: number) => table[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < columns; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, at(i - 2, j - 2) + 1);
      }
      const row = table[i];
      if (row) row[j] = distance;
    }
  }
  return at(a.length, b.length);
}
