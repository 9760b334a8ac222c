// The generator's frames: one Ethernet + IPv4 + UDP frame of 60 bytes (the minimum Ethernet frame
// without FCS), and the flow templates the generator program rotates through (bench/live/live_gen.bpf.c
// struct gen_template: addresses and ports in network order, the IPv4 header checksum for them).

export interface Flow {
  /** Dotted quads. */
  saddr: string;
  daddr: string;
  sport: number;
  dport: number;
}

export const FRAME_LEN = 60;
const ETH = 14;
const IP = 20;
const UDP = 8;
export const TEMPLATE_SIZE = 16;

export function ipv4Bytes(addr: string): Buffer {
  const parts = addr.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new RangeError(`not an IPv4 address: ${addr}`);
  return Buffer.from(parts);
}

export function macBytes(mac: string): Buffer {
  const parts = mac.split(':').map((h) => Number.parseInt(h, 16));
  if (parts.length !== 6 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new RangeError(`not a MAC address: ${mac}`);
  return Buffer.from(parts);
}

/** The Internet checksum (RFC 1071) of an even-length buffer. */
export function inetChecksum(b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += b.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** The IPv4 header of a flow's frame (checksum filled in). */
function ipHeader(f: Flow): Buffer {
  const h = Buffer.alloc(IP);
  h[0] = 0x45;
  h.writeUInt16BE(FRAME_LEN - ETH, 2); // total length: the frame carries no Ethernet padding
  h.writeUInt16BE(0x4000, 6); // DF
  h[8] = 64;
  h[9] = 17; // UDP
  ipv4Bytes(f.saddr).copy(h, 12);
  ipv4Bytes(f.daddr).copy(h, 16);
  h.writeUInt16BE(inetChecksum(h), 10);
  return h;
}

/** A whole frame for one flow: MACs as given, UDP checksum 0 (none, allowed for IPv4), zero payload. */
export function udpFrame(f: Flow, srcMac: string, dstMac: string): Buffer {
  const b = Buffer.alloc(FRAME_LEN);
  macBytes(dstMac).copy(b, 0);
  macBytes(srcMac).copy(b, 6);
  b.writeUInt16BE(0x0800, 12);
  ipHeader(f).copy(b, ETH);
  b.writeUInt16BE(f.sport, ETH + IP);
  b.writeUInt16BE(f.dport, ETH + IP + 2);
  b.writeUInt16BE(FRAME_LEN - ETH - IP, ETH + IP + 4);
  return b;
}

/** struct gen_template for each flow, concatenated (the map's values, in order). */
export function templateImage(flows: Flow[]): Buffer {
  const out = Buffer.alloc(flows.length * TEMPLATE_SIZE);
  flows.forEach((f, i) => {
    const at = i * TEMPLATE_SIZE;
    ipv4Bytes(f.saddr).copy(out, at);
    ipv4Bytes(f.daddr).copy(out, at + 4);
    out.writeUInt16BE(f.sport, at + 8);
    out.writeUInt16BE(f.dport, at + 10);
    // The checksum bytes as they sit in the header (big-endian), stored as-is.
    ipHeader(f).copy(out, at + 12, 10, 12);
  });
  return out;
}
