// UDP header (RFC 768). Over IPv4 a computed checksum of 0 is sent as 0xffff; `checksum: 0`
// writes "no checksum".
import { applyChecksum, type ChecksumOption } from './checksum.ts';
import { l4Checksum } from './l4-checksum.ts';
import { type Layer, u16 } from './layer.ts';

export interface UdpOptions {
  sport: number;
  dport: number;
  /** Length override, for malformed datagrams. */
  length?: number;
  checksum?: ChecksumOption;
}

export function udpLayer(o: UdpOptions): Layer {
  return {
    kind: 'udp',
    ipProto: 17,
    encode(inner, { ip }) {
      const seg = Buffer.alloc(8 + inner.length);
      seg.writeUInt16BE(u16(o.sport, 'udp.sport'), 0);
      seg.writeUInt16BE(u16(o.dport, 'udp.dport'), 2);
      seg.writeUInt16BE(u16(o.length ?? Math.min(seg.length, 0xffff), 'udp.length'), 4);
      inner.copy(seg, 8);
      seg.writeUInt16BE(applyChecksum(o.checksum, () => l4Checksum('udp', ip, 17, seg) || 0xffff), 6);
      return seg;
    },
  };
}
