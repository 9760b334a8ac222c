// SYN cookies in the real object through BPF_PROG_TEST_RUN (bpf/lib/syncookie.h): the SYN-ACK is
// decoded byte by byte and its cookie checked by the kernel on the ACK the client would send;
// cookie mode by the half-open estimate at its exact boundaries; what is not answered and why.
import test from 'ava';

import { decodeMeta, encodeMetaIn, FW_META, type MetaOut } from '../src/abi/index.ts';
import { clearFlows, Datapath, readFlows } from '../src/datapath/index.ts';
import { xdpMd } from '../src/native/index.ts';
import { ether, finish, ipToBytes, ipv6ToBytes, onesSum, type Packet, pseudoHeaderSum, type TcpOption } from '../src/packets/index.ts';
import { parseService, readScStats, type ScStats, serviceAdd, serviceDel, type SettingsInput, checkSettings, serviceList } from '../src/synproxy/index.ts';

const ACTIONS = ['aborted', 'drop', 'pass', 'tx', 'redirect'] as const;
const MACS = { src: '02:00:00:00:00:0a', dst: '02:00:00:00:00:0b' };
const V4 = { src: '198.18.0.1', dst: '198.18.1.2' };
const V6 = { src: '2001:2::1', dst: '2001:2:0:1::2' };
const SVC4 = parseService('198.18.1.2:8080');
const SVC6 = parseService('[2001:2:0:1::2]:8080');
const CLIENT_OPTS: TcpOption[] = [
  { kind: 'mss', value: 1400 }, { kind: 'sackOk' }, { kind: 'timestamp', value: 0x11223344, echo: 0 }, { kind: 'nop' },
  { kind: 'wscale', value: 9 },
];

interface Run { action: string; frame: Buffer; meta: MetaOut }

const dp = Datapath.open();
test.after.always(() => dp.close());

function run(frame: Buffer, tsNs = 1_000_000_000n): Run {
  const data = Buffer.alloc(FW_META.size + frame.length);
  encodeMetaIn(data, tsNs);
  frame.copy(data, FW_META.size);
  const r = dp.program.testRun({ data, ctxIn: xdpMd({ metaLength: FW_META.size, dataLength: frame.length }) });
  if (!r.dataOut) throw new Error('no data_out');
  return { action: ACTIONS[r.retval] ?? 'aborted', frame: Buffer.from(r.dataOut.subarray(FW_META.size, r.dataSize)), meta: decodeMeta(r.dataOut) };
}

type Fam = 4 | 6;
function seg(f: Fam, tcp: { sport?: number; dport?: number; flags: string; seq?: number; ack?: number; options?: TcpOption[]; checksum?: 'bad' },
  o: { vlan?: number; payload?: number; ipOpts?: boolean } = {}): Buffer {
  let p: Packet = ether(MACS);
  if (o.vlan !== undefined) p = p.vlan(o.vlan);
  p = f === 4 ? p.ipv4({ ...V4, ...(o.ipOpts ? { options: Buffer.from([1, 1, 1, 0]) } : {}) }) : p.ipv6(V6);
  p = p.tcp({ sport: 40000, dport: 8080, seq: 1000, ...tcp });
  if (o.payload) p = p.payload(Buffer.alloc(o.payload, 0x61));
  return p.build();
}

/** The SYN-ACK, decoded from the output frame independently of the program. */
function decodeSynack(f: Fam, b: Buffer, l2 = 14) {
  const ip = l2, th = l2 + (f === 4 ? 20 : 40);
  const tcpLen = (b[th + 12] >> 4) * 4;
  const src = f === 4 ? b.subarray(ip + 12, ip + 16) : b.subarray(ip + 8, ip + 24);
  const dst = f === 4 ? b.subarray(ip + 16, ip + 20) : b.subarray(ip + 24, ip + 40);
  const opts: Record<string, number[]> = {};
  for (let i = th + 20; i < th + tcpLen;) {
    const k = b[i];
    if (k === 0) break;
    if (k === 1) { i++; continue; }
    opts[k] = Array.from(b.subarray(i + 2, i + b[i + 1]));
    i += b[i + 1];
  }
  return {
    dstMac: b.subarray(0, 6).toString('hex'), srcMac: b.subarray(6, 12).toString('hex'),
    src: Buffer.from(src), dst: Buffer.from(dst),
    ipv4Ok: f === 6 || finish(onesSum(b.subarray(ip, ip + 20))) === 0,
    ttl: f === 4 ? b[ip + 8] : b[ip + 7],
    ipLen: f === 4 ? b.readUInt16BE(ip + 2) : 40 + b.readUInt16BE(ip + 4),
    sport: b.readUInt16BE(th), dport: b.readUInt16BE(th + 2),
    seq: b.readUInt32BE(th + 4), ack: b.readUInt32BE(th + 8), flags: b[th + 13], window: b.readUInt16BE(th + 14),
    tcpLen, frameLen: b.length,
    tcpOk: finish(onesSum(b.subarray(th, th + tcpLen), pseudoHeaderSum(src, dst, 6, tcpLen))) === 0,
    opts,
  };
}

function stats(): ScStats { return readScStats(dp); }
function delta(a: ScStats, b: ScStats): Partial<Record<keyof ScStats, number>> {
  const out: Partial<Record<keyof ScStats, number>> = {};
  for (const k of Object.keys(a) as Array<keyof ScStats>) if (b[k] !== a[k]) out[k] = Number(b[k] - a[k]);
  return out;
}

function withService<T>(svc = SVC4, s: SettingsInput, fn: () => T): T {
  serviceAdd(dp, svc, checkSettings(s, svc.family));
  try {
    return fn();
  } finally {
    serviceDel(dp, svc);
  }
}

test.serial('no service: a SYN to the port is not touched', (t) => {
  const r = run(seg(4, { flags: 'S' }));
  t.is(r.action, 'pass');
  t.is(r.meta.reason, 'pass_default');
  t.false(r.meta.flags.includes('syncookie'));
});

for (const f of [4, 6] as const) {
  test.serial(`IPv${f}: always-on service answers a SYN with a cookie SYN-ACK the kernel accepts on the ACK`, (t) => {
    const svc = f === 4 ? SVC4 : SVC6;
    withService(svc, { mode: 'always', mss: 1380, wscale: 5 }, () => {
      const before = stats();
      const syn = seg(f, { flags: 'S', seq: 0x7fffffff, options: CLIENT_OPTS });
      const r = run(syn, 5_000_000_000n);
      t.is(r.action, 'tx');
      t.is(r.meta.verdict, 'drop');
      t.is(r.meta.reason, 'syncookie');
      t.true(r.meta.flags.includes('syncookie'));
      const a = decodeSynack(f, r.frame);
      t.is(a.dstMac, '02000000000a');
      t.is(a.srcMac, '02000000000b');
      t.deepEqual(a.src, f === 4 ? ipToBytes(V4.dst) : ipv6ToBytes(V6.dst));
      t.deepEqual(a.dst, f === 4 ? ipToBytes(V4.src) : ipv6ToBytes(V6.src));
      t.is(a.sport, 8080);
      t.is(a.dport, 40000);
      t.is(a.flags, 0x12, 'SYN|ACK');
      t.is(a.ack, 0x80000000, 'ack = the SYN seq + 1');
      t.is(a.window, 0);
      t.is(a.ttl, 64);
      t.is(a.tcpLen, 40);
      t.is(a.ipLen, (f === 4 ? 20 : 40) + 40);
      t.is(a.frameLen, 14 + a.ipLen);
      t.true(a.ipv4Ok, 'IPv4 header checksum');
      t.true(a.tcpOk, 'TCP checksum');
      t.deepEqual(a.opts[2], [1380 >> 8, 1380 & 0xff], 'the service MSS');
      t.deepEqual(a.opts[4], [], 'SACK_PERM echoed');
      t.deepEqual(a.opts[3], [5], 'the service window scale');
      const ts = Buffer.from(a.opts[8]);
      t.is(ts.readUInt32BE(4), 0x11223344, 'tsecr = the client tsval');
      const tsval = ts.readUInt32BE(0);
      t.is(tsval & 0xf, 9, 'tsval low bits: the client wscale');
      t.is(tsval & 0x10, 0x10, 'tsval: SACK permitted');
      t.is(tsval & 0x20, 0, 'tsval: no ECN');
      t.is(tsval >>> 6, Math.floor(5000 / 64), 'tsval: the packet time in ms, low 6 bits replaced');

      const ack = (n: number, sport = 40000) => seg(f, { sport, flags: 'A', seq: 0x80000000, ack: n,
        options: [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'timestamp', value: 0x11223345, echo: tsval }] });
      clearFlows(dp);
      const good = run(ack((a.seq + 1) >>> 0));
      t.is(good.action, 'pass');
      t.is(good.meta.reason, 'pass_default');
      t.true(good.meta.flags.includes('cookie_ack'));
      // the SYN left no state; the cookie ACK starts the flow established (midstream is off)
      const flows = readFlows(dp).filter((x) => x.proto === 6);
      t.is(flows.length, 1);
      t.is(flows[0].state, 'established');
      t.is(flows[0].table, 'est');
      t.is(flows[0].client.port, 40000);
      // Not +1: the low bits of a kernel cookie carry the MSS index, and a neighbouring index is as
      // valid; a change in the hash bits is not.
      const bad = run(ack((a.seq + 1 + 0x1000) >>> 0));
      t.is(bad.action, 'drop');
      t.is(bad.meta.reason, 'syncookie');
      const otherPort = run(ack((a.seq + 1) >>> 0, 40001));
      t.is(otherPort.meta.reason, 'syncookie', 'the cookie is bound to the 4-tuple');
      t.deepEqual(delta(before, stats()), { syn_answered: 1, mode_on: 1, ack_valid: 1, ack_invalid: 2 });
      const [s] = serviceList(dp);
      t.is(s.state.synAnswered, 1n);
      t.is(s.state.ackValid, 1n);
      t.is(s.state.ackInvalid, 2n);
    });
  });
}

test.serial('a SYN without options: MSS only, NOPs after it; VLAN tags kept', (t) => {
  withService(SVC4, { mode: 'always' }, () => {
    const r = run(seg(4, { flags: 'S' }, { vlan: 42 }));
    t.is(r.action, 'tx');
    t.is(r.frame.readUInt16BE(12), 0x8100);
    t.is(r.frame.readUInt16BE(14) & 0xfff, 42);
    const a = decodeSynack(4, r.frame, 18);
    t.true(a.tcpOk);
    t.deepEqual(Object.keys(a.opts), ['2']);
    t.deepEqual(a.opts[2], [1460 >> 8, 1460 & 0xff], 'default IPv4 MSS');
  });
});

test.serial('ECE+CWR on the SYN (with a timestamp): ECE on the SYN-ACK, ECN bit in the tsval', (t) => {
  withService(SVC4, { mode: 'always' }, () => {
    const r = run(seg(4, { flags: 'SEC', options: CLIENT_OPTS }));
    const a = decodeSynack(4, r.frame);
    t.is(a.flags, 0x52);
    t.is(Buffer.from(a.opts[8]).readUInt32BE(0) & 0x20, 0x20);
  });
});

test.serial('not answered from XDP: bad checksum dropped; IP options, payload go to SYNPROXY', (t) => {
  withService(SVC4, { mode: 'always' }, () => {
    const before = stats();
    const bad = run(seg(4, { flags: 'S', checksum: 'bad' }));
    t.is(bad.action, 'drop');
    t.is(bad.meta.reason, 'syncookie');
    t.false(bad.meta.flags.includes('syncookie'));
    const opts = run(seg(4, { flags: 'S' }, { ipOpts: true }));
    t.is(opts.action, 'pass');
    const data = run(seg(4, { flags: 'S' }, { payload: 10 }));
    t.is(data.action, 'pass');
    t.deepEqual(delta(before, stats()), { syn_bad_csum: 1, syn_slow: 2, mode_on: 3 });
  });
});

test.serial('other packets to the service: RST, SYN-ACK, other ports are not checked', (t) => {
  withService(SVC4, { mode: 'always' }, () => {
    const before = stats();
    t.is(run(seg(4, { flags: 'R' })).meta.reason, 'pass_default');
    t.is(run(seg(4, { flags: 'RA', ack: 5 })).meta.reason, 'pass_default');
    t.is(run(seg(4, { flags: 'SA', ack: 5 })).meta.reason, 'pass_default');
    t.is(run(seg(4, { flags: 'S', dport: 8081 })).meta.reason, 'pass_default');
    t.deepEqual(delta(before, stats()), {});
  });
});

test.serial('auto mode: cookie mode exactly when the half-open estimate exceeds the threshold', (t) => {
  const W = 1_000_000_000n;
  const t0 = 100n * W;
  withService(SVC4, { mode: 'auto', threshold: 3, windowMs: 1000 }, () => {
    const syn = (ts: bigint, sport = 40000) => run(seg(4, { flags: 'S', sport }), ts);
    // window 1 opens with the first SYN (t0): SYNs 1..3 pass (estimate 1, 2, 3 <= 3), the 4th is
    // answered (4 > 3)
    t.deepEqual([0, 1, 2, 3].map((i) => syn(t0 + BigInt(i)).action), ['pass', 'pass', 'pass', 'tx']);
    // the 4th's handshake completes: estimate 5 - 1 = 4 for the 5th: still answered
    const a4 = decodeSynack(4, syn(t0 + 4n, 40004).frame);
    t.is(run(seg(4, { sport: 40004, flags: 'A', seq: 1001, ack: (a4.seq + 1) >>> 0 }), t0 + 5n).action, 'pass');
    t.is(syn(t0 + W - 1n).action, 'tx', 'still window 1: 6 SYNs - 1 done = 5 > 3');
    // window 2 (opens at t0 + W): carries the estimate of window 1 (6 - 1 = 5 > 3)
    t.is(syn(t0 + W).action, 'tx');
    t.is(serviceList(dp)[0].state.prevHalfOpen, 5);
    // window 3: window 2 had 1 SYN, 0 done: 1 <= 3, and this window's 1 <= 3
    t.is(syn(t0 + 2n * W).action, 'pass');
    t.is(serviceList(dp)[0].state.prevHalfOpen, 1);
    // a window more than one window after the last: the old estimate is forgotten
    syn(t0 + 3n * W); syn(t0 + 3n * W + 1n); syn(t0 + 3n * W + 2n);
    t.is(syn(t0 + 3n * W + 3n).action, 'tx');
    t.is(syn(t0 + 6n * W).action, 'pass', 'window 3 had 4 > 3, but it closed two windows ago');
  });
});

test.serial('the estimate and totals restart when a service is written again; del stops the checks', (t) => {
  withService(SVC4, { mode: 'always' }, () => {
    run(seg(4, { flags: 'S' }));
    t.is(serviceList(dp)[0].state.synAnswered, 1n);
    serviceAdd(dp, SVC4, checkSettings({ mode: 'always' }, 4));
    t.is(serviceList(dp)[0].state.synAnswered, 0n);
  });
  t.is(run(seg(4, { flags: 'A', ack: 12345 })).meta.reason, 'pass_default');
  t.deepEqual(serviceList(dp), []);
});
