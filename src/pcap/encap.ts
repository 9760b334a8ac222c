// The inverse of reframe.ts: puts an Ethernet frame into another link-layer format, to write
// fixtures for every link type the reader re-frames (what a Linux cooked or loopback capture of
// the same packet would hold).
import { LINKTYPE, linkTypeName } from './constants.ts';

export interface EncapOptions {
  /** SLL/SLL2 packet type; default from the destination MAC (1 broadcast, 2 multicast, 0 host). */
  pkttype?: number;
  /** SLL2 interface index (default 1). */
  ifindex?: number;
  /** NULL: write the family little-endian (default) or big-endian; the IPv6 family value (default 30, Darwin). */
  nullBigEndian?: boolean;
  inet6Family?: 24 | 28 | 30;
}

function pkttypeOf(frame: Buffer): number {
  if (frame.subarray(0, 6).every((b) => b === 0xff)) return 1;
  return frame[0] & 1 ? 2 : 0;
}

/** The IP packet of an untagged Ethernet frame; throws if it carries anything else. */
function ipOf(frame: Buffer, lt: number): { v: 4 | 6; ip: Buffer } {
  const type = frame.readUInt16BE(12);
  if (type === 0x0800) return { v: 4, ip: frame.subarray(14) };
  if (type === 0x86dd) return { v: 6, ip: frame.subarray(14) };
  throw new Error(`link type ${lt} (${linkTypeName(lt)}) carries only IPv4/IPv6; this frame has ethertype 0x${type.toString(16)}`);
}

export function encapsulate(linkType: number, frame: Buffer, o: EncapOptions = {}): Buffer<ArrayBuffer> {
  if (frame.length < 14) throw new Error(`not an Ethernet frame: ${frame.length} bytes`);
  switch (linkType) {
    case LINKTYPE.ETHERNET:
      return Buffer.from(frame);
    case LINKTYPE.LINUX_SLL: {
      const h = Buffer.alloc(16);
      h.writeUInt16BE(o.pkttype ?? pkttypeOf(frame), 0);
      h.writeUInt16BE(1, 2); // ARPHRD_ETHER
      h.writeUInt16BE(6, 4);
      frame.copy(h, 6, 6, 12); // the sender's MAC
      h.writeUInt16BE(frame.readUInt16BE(12), 14);
      return Buffer.concat([h, frame.subarray(14)]);
    }
    case LINKTYPE.LINUX_SLL2: {
      const h = Buffer.alloc(20);
      h.writeUInt16BE(frame.readUInt16BE(12), 0);
      h.writeUInt32BE(o.ifindex ?? 1, 4);
      h.writeUInt16BE(1, 8);
      h[10] = o.pkttype ?? pkttypeOf(frame);
      h[11] = 6;
      frame.copy(h, 12, 6, 12);
      return Buffer.concat([h, frame.subarray(14)]);
    }
    case LINKTYPE.RAW: case LINKTYPE.RAW_DLT12: case LINKTYPE.RAW_DLT14:
      return Buffer.from(ipOf(frame, linkType).ip);
    case LINKTYPE.IPV4: case LINKTYPE.IPV6: {
      const { v, ip } = ipOf(frame, linkType);
      if ((v === 4) !== (linkType === LINKTYPE.IPV4)) throw new Error(`link type ${linkType} cannot carry IPv${v}`);
      return Buffer.from(ip);
    }
    case LINKTYPE.NULL: case LINKTYPE.LOOP: {
      const { v, ip } = ipOf(frame, linkType);
      const af = v === 4 ? 2 : (o.inet6Family ?? 30);
      const h = Buffer.alloc(4);
      if (linkType === LINKTYPE.LOOP || o.nullBigEndian) h.writeUInt32BE(af, 0);
      else h.writeUInt32LE(af, 0);
      return Buffer.concat([h, ip]);
    }
    default:
      throw new Error(`no encapsulation for link type ${linkType} (${linkTypeName(linkType)})`);
  }
}
