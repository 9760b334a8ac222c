// The Internet checksum (RFC 1071) and the TCP/UDP/ICMPv6 pseudo-headers (RFC 793, RFC 8200 §8.1).

/** 32-bit running one's-complement sum of 16-bit big-endian words; an odd tail is padded with 0. */
export function onesSum(buf: Uint8Array, initial = 0): number {
  let sum = initial;
  const n = buf.length & ~1;
  for (let i = 0; i < n; i += 2) sum += (buf[i] << 8) | buf[i + 1];
  if (buf.length & 1) sum += buf[buf.length - 1] << 8;
  // Fold often enough that the sum never leaves the safe-integer range.
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** The checksum field value for data whose running sum is `sum` (checksum field counted as 0). */
export function finish(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Checksum over buffers concatenated in order (each must be of even length except the last). */
export function inetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  for (const p of parts) sum = onesSum(p, sum);
  return finish(sum);
}

/** Running sum of the IPv4 or IPv6 pseudo-header (address lengths decide which). */
export function pseudoHeaderSum(src: Uint8Array, dst: Uint8Array, proto: number, upperLength: number): number {
  let sum = onesSum(src);
  sum = onesSum(dst, sum);
  if (src.length === 4) return sum + proto + upperLength;
  // IPv6: 32-bit upper-layer length, 24 zero bits, next header.
  return sum + (upperLength >>> 16) + (upperLength & 0xffff) + proto;
}

/** A value certain to fail verification: differs from `good` and is not its one's-complement twin. */
export function corrupt(good: number): number {
  const bad = (good + 1) & 0xffff;
  return bad === 0 ? 1 : bad;
}

/** What a layer's `checksum` option says: compute it, corrupt it, or write this exact value. */
export type ChecksumOption = number | 'bad' | undefined;

export function applyChecksum(option: ChecksumOption, good: () => number): number {
  if (typeof option === 'number') return option & 0xffff;
  return option === 'bad' ? corrupt(good()) : good();
}
