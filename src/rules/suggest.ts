// "Did you mean ...?" for misspelled keywords, protocols, actions and variables.

/** Levenshtein distance. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** The closest candidate within about a third of the word's length, if any. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDist = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    if (Math.abs(c.length - word.length) >= bestDist) continue;
    const d = editDistance(word, c);
    if (d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  return best;
}
