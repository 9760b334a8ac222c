// Sets of integers as sorted, disjoint, non-adjacent inclusive ranges: the canonical form behind
// address and port sets. Negation is complement, lists are union then difference.

export type Range = readonly [bigint, bigint];

/** Sorts and merges overlapping or adjacent ranges. */
export function normalize(rs: readonly Range[]): Range[] {
  if (rs.length <= 1) return rs.slice();
  const s = rs.slice().sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Array<[bigint, bigint]> = [[s[0][0], s[0][1]]];
  for (let i = 1; i < s.length; i++) {
    const last = out[out.length - 1];
    if (s[i][0] <= last[1] + 1n) {
      if (s[i][1] > last[1]) last[1] = s[i][1];
    } else out.push([s[i][0], s[i][1]]);
  }
  return out;
}

export function union(a: readonly Range[], b: readonly Range[]): Range[] {
  return normalize([...a, ...b]);
}

/** a minus b; both normalized. */
export function subtract(a: readonly Range[], b: readonly Range[]): Range[] {
  const out: Range[] = [];
  let j = 0;
  for (const [lo0, hi] of a) {
    let lo = lo0;
    while (j < b.length && b[j][1] < lo) j++;
    let k = j;
    while (k < b.length && b[k][0] <= hi) {
      if (b[k][0] > lo) out.push([lo, b[k][0] - 1n]);
      lo = b[k][1] + 1n;
      if (lo > hi) break;
      k++;
    }
    if (lo <= hi) out.push([lo, hi]);
  }
  return out;
}

export function complement(a: readonly Range[], max: bigint): Range[] {
  return subtract([[0n, max]], a);
}

export function isFull(a: readonly Range[], max: bigint): boolean {
  return a.length === 1 && a[0][0] === 0n && a[0][1] === max;
}

const bitLength = (v: bigint): number => (v === 0n ? 0 : v.toString(2).length);

/** The exact cover of the ranges by maximal aligned blocks: [base, prefix length]. */
export function toBlocks(a: readonly Range[], bits: number): Array<[bigint, number]> {
  const out: Array<[bigint, number]> = [];
  for (const [lo0, hi] of a) {
    let lo = lo0;
    while (lo <= hi) {
      // The block size is limited by the alignment of lo and by what is left up to hi.
      const align = lo === 0n ? bits : bitLength(lo & -lo) - 1;
      const fit = bitLength(hi - lo + 1n) - 1;
      const size = Math.min(align, fit);
      out.push([lo, bits - size]);
      lo += 1n << BigInt(size);
    }
  }
  return out;
}
