// Differential: the reference decoder and the XDP parser (the real object under BPF_PROG_TEST_RUN,
// read back through fw_dbg_pkt) decode random frames alike: the same reason for every frame, and
// for a well-formed one the same header fields. Two independent implementations of one contract
// (bpf/README.md "Parsing contract").
import test from 'ava';
import fc from 'fast-check';

import { ExtBit, FragFlag, TcpFlag, type FwPkt } from '../src/abi/index.ts';
import { MIN_TEST_FRAME } from '../src/datapath/index.ts';
import { decodeFrame, type DecodedPacket } from '../src/rules/reference/index.ts';
import { openDebug, runDebug } from './datapath-helpers.ts';
import { arbRandomPacket, buildFrame, describe } from './gen/packets.ts';

const dp = openDebug();
test.after.always(() => dp.close());

const EXT_PROTO: Record<keyof typeof ExtBit, number> = { hop: 0, routing: 43, frag: 44, dstopts: 60, ah: 51, esp: 50, none: 59 };
const bits = (names: readonly string[], table: Record<string, number>) => names.reduce((v, n) => v | table[n], 0);

/** The reference's view in the shape of the datapath's fw_pkt fields that the parser owns. */
function refView(p: DecodedPacket): Record<string, unknown> {
  const echo = p.family === 4 ? [0, 8] : [128, 129];
  const base: Record<string, unknown> = { vlanIds: p.vlanIds, l3Proto: p.l3Proto };
  if (p.reason !== 'pass_default') return base;
  return {
    ...base, family: p.family === 4 ? 'ipv4' : 'ipv6', src: p.srcText, dst: p.dstText, l4Proto: p.l4Proto, l3Off: p.l3Off, l4Off: p.l4Off,
    ipLen: p.ipLen, ttl: p.ttl, tos: p.tos, extDepth: p.extDepth, extSeen: [...new Set(p.extSeen)].sort((a, b) => a - b), frag: p.frag,
    fragOff: p.fragOff, fragId: p.fragId, fragFlags: (p.fragBits & 0x2000 ? 1 : 0) | (p.fragBits & 0x4000 ? 2 : 0) | (p.fragBits & 0x8000 ? 4 : 0),
    ipOpts: p.ipOpts, hasL4: p.hasL4,
    ...(p.hasL4 ? {
      sport: p.sport, dport: p.dport, tcpSeq: p.tcpSeq, tcpAck: p.tcpAck, tcpWin: p.tcpWin, tcpFlags: p.tcpFlags, icmpType: p.icmpType,
      icmpCode: p.icmpCode, icmpId: echo.includes(p.icmpType) ? p.icmpId ?? 0 : 0, icmpSeq: echo.includes(p.icmpType) ? p.icmpSeq ?? 0 : 0,
      payloadOff: p.payloadOff, dsize: p.dsize,
    } : {}),
    // a SYN's window scale option (lib/tcpopt.h, read for the flow table)
    ...(p.hasL4 && p.l4Proto === 6 && p.tcpFlags & 0x02 ? { tcpWscale: p.tcpWscale } : {}),
  };
}

/** The datapath's fw_pkt, restricted to what refView states. (The parser reads id/seq for echo only.) */
function bpfView(k: FwPkt, want: Record<string, unknown>): Record<string, unknown> {
  const all: Record<string, unknown> = {
    vlanIds: k.vlanIds, l3Proto: k.l3Proto, family: k.family, src: k.src, dst: k.dst, l4Proto: k.l4Proto, l3Off: k.l3Off, l4Off: k.l4Off,
    ipLen: k.ipLen, ttl: k.ttl, tos: k.tos, extDepth: k.extDepth, extSeen: k.extSeen.map((n) => EXT_PROTO[n]).sort((a, b) => a - b),
    frag: k.frag, fragOff: k.fragOff, fragId: k.fragId, fragFlags: bits(k.fragFlags, FragFlag), ipOpts: k.ipOpts, hasL4: k.hasL4,
    sport: k.sport, dport: k.dport, tcpSeq: k.tcpSeq, tcpAck: k.tcpAck, tcpWin: k.tcpWin, tcpFlags: bits(k.tcpFlags, TcpFlag),
    icmpType: k.icmpType, icmpCode: k.icmpCode, icmpId: k.icmpId, icmpSeq: k.icmpSeq, payloadOff: k.payloadOff, dsize: k.dsize,
    tcpWscale: k.tcpWscale,
  };
  return Object.fromEntries(Object.keys(want).map((key) => [key, all[key]]));
}

function compare(frame: Buffer): { ok: boolean; detail: string } {
  if (frame.length < MIN_TEST_FRAME) return { ok: true, detail: '' };
  const ref = decodeFrame(frame, { linear: 3520 });
  const { res, pkt } = runDebug(dp, frame);
  const refReason = ref.reason === 'pass_default' && ref.frag === 'non_first' ? 'fragment' : ref.reason;
  const want = refView(ref);
  const got = bpfView(pkt, want);
  const ok = res.reason === refReason && JSON.stringify(got) === JSON.stringify(want);
  return { ok, detail: `reason bpf ${res.reason} ref ${refReason}\n bpf ${JSON.stringify(got)}\n ref ${JSON.stringify(want)}` };
}

test('random packets (every layer, fragments, VLAN, ext headers, truncated and corrupted): same reason and fields', (t) => {
  let runs = 0;
  const reasons = new Set<string>();
  fc.assert(fc.property(arbRandomPacket(), (spec) => {
    const frame = buildFrame(spec);
    const r = compare(frame);
    runs++;
    reasons.add(decodeFrame(frame).reason);
    if (!r.ok) throw new Error(`${describe(spec)}\n${r.detail}`);
  }), { numRuns: 3000, seed: 20240601 });
  t.is(runs, 3000);
  // The generator reaches the malformed paths too, not only well-formed packets.
  for (const r of ['pass_default', 'vlan_depth', 'malformed_ipv4', 'malformed_ipv6']) t.true(reasons.has(r), r);
});

/** The frame cut to len bytes with its IP length field rewritten to end there (so inner headers are the ones cut). */
function fixedCut(full: Buffer, len: number, ref: DecodedPacket): Buffer {
  const f = Buffer.from(full.subarray(0, len));
  const l3 = ref.l3Off;
  if (ref.family === 4 && len >= l3 + 4) f.writeUInt16BE(len - l3, l3 + 2);
  if (ref.family === 6 && len >= l3 + 40) f.writeUInt16BE(len - l3 - 40, l3 + 4);
  return f;
}

test('every cut of random packets, raw and with fixed-up IP lengths: same reason and fields', (t) => {
  let checked = 0;
  const reasons = new Set<string>();
  for (const spec of fc.sample(arbRandomPacket(), { numRuns: 80, seed: 7 })) {
    const full = buildFrame({ ...spec, cut: undefined, poke: undefined });
    const ref = decodeFrame(full);
    for (let len = MIN_TEST_FRAME; len <= full.length; len++) {
      for (const frame of [full.subarray(0, len), fixedCut(full, len, ref)]) {
        const r = compare(frame);
        if (!r.ok) return void t.fail(`${describe(spec)} cut at ${len}/${full.length}\n${r.detail}`);
        reasons.add(decodeFrame(frame).reason);
        checked++;
      }
    }
  }
  t.true(checked > 2000, `${checked} frames compared`);
  for (const r of ['malformed_tcp', 'malformed_udp', 'malformed_icmp', 'malformed_icmpv6', 'malformed_ipv6_ext']) t.true(reasons.has(r), r);
});

test('random bytes behind an IPv4/IPv6/VLAN start: same reason and fields', (t) => {
  const head = (type: number, first: number) => fc.uint8Array({ minLength: 0, maxLength: 120 }).map((rest) => {
    const b = Buffer.alloc(14 + rest.length);
    b.writeUInt16BE(type, 12);
    Buffer.from(rest).copy(b, 14);
    if (b.length > 14) b[14] = first | (b[14] & 0x0f);
    return b;
  });
  const reasons = new Set<string>();
  fc.assert(fc.property(fc.oneof(head(0x0800, 0x40), head(0x86dd, 0x60), head(0x8100, 0)), (frame) => {
    const r = compare(frame);
    reasons.add(decodeFrame(frame).reason);
    if (!r.ok) throw new Error(`${frame.toString('hex')}\n${r.detail}`);
  }), { numRuns: 3000, seed: 99 });
  t.true(reasons.size >= 4, [...reasons].join(' '));
});
