// What an answer must look like, stated from the offending frame alone (test/reject*.test.ts).
import type { ExecutionContext } from 'ava';

import { decodeFrame, decodeIcmpError, decodeTcp, type Frame } from './reject-decode.ts';
import type { Outcome } from './reject-run.ts';

/** The quote caps of bpf/lib/reject.h: 576 - 20 - 8 (RFC 1812), 1280 - 40 - 8 (RFC 4443). */
export const QUOTE4 = 548;
export const QUOTE6 = 1232;

export interface Direction {
  /** true: the answer goes back to the source (rejectsrc, rejectboth); false: on to the destination. */
  toSrc?: boolean;
  ttl?: number;
}

/** The L2 header, addresses and IP header of an answer; returns the decoded answer. */
function checkCommon(t: ExecutionContext, orig: Frame, out: Outcome, d: Direction): Frame {
  const toSrc = d.toSrc ?? true;
  t.is(out.action, toSrc ? 'tx' : 'pass', 'action');
  t.true(out.meta.done, 'the metadata area survived and was found again');
  const a = decodeFrame(out.frame);
  t.deepEqual(a.vlans, orig.vlans, 'VLAN tags kept as they were');
  t.is(a.ethertype, orig.ethertype);
  t.is(a.dstMac, toSrc ? orig.srcMac : orig.dstMac, 'destination MAC');
  t.is(a.srcMac, toSrc ? orig.dstMac : orig.srcMac, 'source MAC');
  t.deepEqual(a.src, toSrc ? orig.dst : orig.src, 'source address');
  t.deepEqual(a.dst, toSrc ? orig.src : orig.dst, 'destination address');
  t.is(a.ttl, d.ttl ?? 64, 'TTL / hop limit');
  t.true(a.ipCsumOk, 'IPv4 header checksum');
  t.true(a.l4CsumOk, 'L4 checksum');
  if (a.family === 4) {
    t.is(a.ihl, 5, 'no IPv4 options in the answer');
    t.is(a.fragWord, 0, 'no fragment bits');
  } else {
    t.is(a.v6Word, 0x60000000, 'IPv6 version 6, traffic class and flow label 0');
  }
  t.is(out.frame.length, a.l3Off + a.ipLen, 'the frame ends with the datagram (tail trimmed)');
  return a;
}

export interface RstExpect extends Direction {
  seq: number;
  ack: number;
  /** 'R' or 'RA'. */
  flags: 'R' | 'RA';
}

/** An RST answering `origFrame`. */
export function checkRst(t: ExecutionContext, origFrame: Buffer, out: Outcome, e: RstExpect): void {
  const orig = decodeFrame(origFrame);
  const o = decodeTcp(orig.l4);
  const a = checkCommon(t, orig, out, e);
  const toSrc = e.toSrc ?? true;
  t.is(a.proto, 6);
  t.is(a.ipLen, (a.family === 4 ? 20 : 40) + 20, 'IP length: header + 20-byte TCP header');
  const r = decodeTcp(a.l4);
  t.is(r.sport, toSrc ? o.dport : o.sport, 'source port');
  t.is(r.dport, toSrc ? o.sport : o.dport, 'destination port');
  t.is(r.seq, e.seq >>> 0, 'seq');
  t.is(r.ack, e.ack >>> 0, 'ack');
  t.is(r.flags, e.flags === 'R' ? 0x04 : 0x14, 'flags');
  t.is(r.dataOffset, 5, 'no TCP options');
  t.is(r.payloadLength, 0, 'no payload');
  t.is(r.window, 0);
  t.is(r.urgent, 0);
}

export interface UnreachExpect extends Direction {
  code?: number;
}

/** An ICMP / ICMPv6 destination unreachable quoting `origFrame`'s IP datagram. */
export function checkUnreach(t: ExecutionContext, origFrame: Buffer, out: Outcome, e: UnreachExpect = {}): void {
  const orig = decodeFrame(origFrame);
  const a = checkCommon(t, orig, out, e);
  const v4 = a.family === 4;
  t.is(a.proto, v4 ? 1 : 58, 'ICMP / ICMPv6');
  if (v4) t.is(a.tos, 0xc0, 'precedence internetwork control (RFC 1812 4.3.2.5)');
  const m = decodeIcmpError(a.l4);
  t.is(m.type, v4 ? 3 : 1, 'destination unreachable');
  t.is(m.code, e.code ?? (v4 ? 10 : 1), 'code (Suricata: host / administratively prohibited)');
  t.is(m.rest, 0, 'unused word');
  const datagram = origFrame.subarray(orig.l3Off, orig.l3Off + orig.ipLen);
  const want = datagram.subarray(0, Math.min(datagram.length, v4 ? QUOTE4 : QUOTE6));
  t.is(m.quote.length, want.length, 'quote length');
  t.true(m.quote.equals(want), 'quoted bytes equal the offending datagram');
}
