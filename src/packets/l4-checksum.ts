// Checksums of TCP, UDP and ICMPv6: over the pseudo-header of the enclosing IP scope.
import { finish, onesSum, pseudoHeaderSum } from './checksum.ts';
import type { IpScope } from './layer.ts';

/** `segment` has its checksum field zeroed. */
export function l4Checksum(owner: string, scope: IpScope | undefined, proto: number, segment: Buffer): number {
  if (!scope) throw new Error(`${owner}: no enclosing IPv4/IPv6 layer to take the pseudo-header from; pass 'checksum'`);
  return finish(onesSum(segment, pseudoHeaderSum(scope.src, scope.dst, proto, segment.length)));
}
