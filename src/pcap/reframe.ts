// Re-frames the link-layer formats a capture may hold as Ethernet, which is all XDP takes.
// Linux cooked (SLL, SLL2), raw IP, BSD NULL and OpenBSD LOOP get a synthesized 14-byte header
// whose ethertype says what follows; the rest of the packet is copied unchanged.
import { LINKTYPE, linkTypeName } from './constants.ts';

export type Reframer = (data: Buffer<ArrayBuffer>) => Buffer<ArrayBuffer>;

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const BROADCAST = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
const MULTICAST = Buffer.from([0x01, 0x00, 0x5e, 0x00, 0x00, 0x00]);
const ZERO_MAC = Buffer.alloc(6);

/**
 * Ethernet header + `payload`. `type` below 0x0600 is not an ethertype (SLL's 802.2/802.3
 * pseudo-protocols): the field then holds the payload length, making an 802.3 frame.
 */
function ethernet(dst: Uint8Array, src: Uint8Array, type: number, payload: Uint8Array): Buffer<ArrayBuffer> {
  const out = Buffer.allocUnsafe(14 + payload.length);
  out.set(dst, 0);
  out.set(src, 6);
  out.writeUInt16BE(type >= 0x0600 ? type : Math.min(payload.length, 1500), 12);
  out.set(payload, 14);
  return out;
}

/** A packet shorter than its link-layer header: an empty 802.3 frame, so it still replays. */
function runt(): Buffer<ArrayBuffer> {
  return ethernet(ZERO_MAC, ZERO_MAC, 0, Buffer.alloc(0));
}

function ipByNibble(data: Uint8Array, off: number): number {
  const v = data.length > off ? data[off] >> 4 : 4;
  return v === 6 ? ETH_IPV6 : ETH_IPV4; // a bad version stays IPv4, where the datapath rejects it
}

/** The Linux packet type says whom the frame was addressed to; SLL keeps only the sender's address. */
function sllDst(pkttype: number): Uint8Array {
  return pkttype === 1 ? BROADCAST : pkttype === 2 ? MULTICAST : ZERO_MAC;
}

function sllSrc(data: Buffer, halenOff: number, addrOff: number, hatypeOff: number): Uint8Array {
  const hatype = data.readUInt16BE(hatypeOff);
  const halen = data.readUInt16BE(halenOff);
  // ARPHRD_ETHER (1) and loopback (772) carry a 6-byte MAC.
  return (hatype === 1 || hatype === 772) && halen === 6 ? data.subarray(addrOff, addrOff + 6) : ZERO_MAC;
}

// SLL: pkttype(2) hatype(2) halen(2) addr(8) protocol(2). A VLAN tag libpcap re-inserted follows
// with protocol 0x8100, exactly as in an Ethernet frame, so it survives unchanged.
const sll: Reframer = (d) => {
  if (d.length < 16) return runt();
  return ethernet(sllDst(d.readUInt16BE(0)), sllSrc(d, 4, 6, 2), d.readUInt16BE(14), d.subarray(16));
};

// SLL2: protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8).
const sll2: Reframer = (d) => {
  if (d.length < 20) return runt();
  const hatype = d.readUInt16BE(8);
  const src = (hatype === 1 || hatype === 772) && d[11] === 6 ? d.subarray(12, 18) : ZERO_MAC;
  return ethernet(sllDst(d[10]), src, d.readUInt16BE(0), d.subarray(20));
};

const raw: Reframer = (d) => ethernet(ZERO_MAC, ZERO_MAC, ipByNibble(d, 0), d);
const rawV4: Reframer = (d) => ethernet(ZERO_MAC, ZERO_MAC, ETH_IPV4, d);
const rawV6: Reframer = (d) => ethernet(ZERO_MAC, ZERO_MAC, ETH_IPV6, d);

/** BSD address families: AF_INET 2; AF_INET6 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (Darwin). */
function familyType(af: number): number | undefined {
  if (af === 2) return ETH_IPV4;
  if (af === 24 || af === 28 || af === 30) return ETH_IPV6;
  return undefined;
}

// NULL: the family in the byte order of the host that wrote the file, which we do not know:
// try little-endian, then big-endian, then the IP version nibble.
const loopNull: Reframer = (d) => {
  if (d.length < 4) return runt();
  const t = familyType(d.readUInt32LE(0)) ?? familyType(d.readUInt32BE(0)) ?? ipByNibble(d, 4);
  return ethernet(ZERO_MAC, ZERO_MAC, t, d.subarray(4));
};

// LOOP: the same, always in network byte order.
const loopOpenBsd: Reframer = (d) => {
  if (d.length < 4) return runt();
  const t = familyType(d.readUInt32BE(0)) ?? ipByNibble(d, 4);
  return ethernet(ZERO_MAC, ZERO_MAC, t, d.subarray(4));
};

const identity: Reframer = (d) => d;

/** The re-framer for a link type; undefined when there is none. */
export function reframerFor(linkType: number): Reframer | undefined {
  switch (linkType) {
    case LINKTYPE.ETHERNET: return identity;
    case LINKTYPE.LINUX_SLL: return sll;
    case LINKTYPE.LINUX_SLL2: return sll2;
    case LINKTYPE.RAW: case LINKTYPE.RAW_DLT12: case LINKTYPE.RAW_DLT14: return raw;
    case LINKTYPE.IPV4: return rawV4;
    case LINKTYPE.IPV6: return rawV6;
    case LINKTYPE.NULL: return loopNull;
    case LINKTYPE.LOOP: return loopOpenBsd;
    default: return undefined;
  }
}

export const SUPPORTED_LINKTYPES = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276] as const;

export function unsupportedMessage(linkType: number): string {
  return `link type ${linkType} (${linkTypeName(linkType)}) cannot be re-framed as Ethernet; supported: ${SUPPORTED_LINKTYPES.map((l) => `${l} ${linkTypeName(l)}`).join(', ')}`;
}
