// The contract every protocol layer implements. A packet is a list of layers, encoded from the
// innermost outwards so that lengths and checksums cover exactly what follows each header.

/** Addresses a TCP/UDP/ICMPv6 checksum's pseudo-header uses: the nearest enclosing IP header's. */
export interface IpScope {
  readonly src: Buffer;
  /** For IPv6 with a routing header still to be followed: the final destination. */
  readonly dst: Buffer;
}

export interface EncodeContext {
  /** The layer right after this one, if any (its announcement numbers fill type fields). */
  readonly next: Layer | undefined;
  /** The pseudo-header scope in force at this layer (set by the nearest IP layer before it). */
  readonly ip: IpScope | undefined;
}

export interface Layer {
  readonly kind: string;
  /** The ethertype an Ethernet or VLAN header uses to announce this layer. */
  readonly ethertype?: number;
  /** The protocol number an IPv4/IPv6/extension header uses to announce this layer. */
  readonly ipProto?: number;
  /** IP layers and routing headers open or change the pseudo-header scope for the layers after them. */
  scope?(outer: IpScope | undefined): IpScope | undefined;
  /** Returns this layer's bytes followed by `inner` (the already-encoded rest of the packet). */
  encode(inner: Buffer, ctx: EncodeContext): Buffer<ArrayBuffer>;
}

/** The ethertype for `next`, or the explicit override; throws when neither is known. */
export function nextEthertype(owner: string, explicit: number | undefined, next: Layer | undefined): number {
  if (explicit !== undefined) return explicit;
  if (next?.ethertype !== undefined) return next.ethertype;
  throw new Error(`${owner}: cannot infer the ethertype of ${next ? `'${next.kind}'` : 'an empty payload'}; pass 'type'`);
}

/** The IP protocol number for `next`, or the explicit override; `empty` is used when nothing follows. */
export function nextIpProto(owner: string, explicit: number | undefined, next: Layer | undefined, empty?: number): number {
  if (explicit !== undefined) return explicit;
  if (next === undefined && empty !== undefined) return empty;
  if (next?.ipProto !== undefined) return next.ipProto;
  throw new Error(`${owner}: cannot infer the protocol number of ${next ? `'${next.kind}'` : 'an empty payload'}; pass it explicitly`);
}

export function u8(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new Error(`${what} must be an integer 0..255, got ${v}`);
  return v;
}

export function u16(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new Error(`${what} must be an integer 0..65535, got ${v}`);
  return v;
}

export function u32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`${what} must be an integer 0..2^32-1, got ${v}`);
  return v;
}

export type Bytes = string | Uint8Array;

/** Strings are UTF-8 (use Buffer.from(x, 'latin1') for raw bytes). */
export function toBytes(data: Bytes | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
}
