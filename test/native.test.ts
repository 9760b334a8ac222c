// The native addon against the real kernel: object open/configure/load, globals, BPF_PROG_TEST_RUN
// (plain, XDP metadata ctx, live frames), BTF queries and the error paths. Needs root and
// build/bpf/native_fixture.bpf.o (bash scripts/build-bpf.sh).
import test from 'ava';
import {
  BpfError,
  BpfObject,
  constants,
  getLogLevel,
  libbpfVersion,
  numPossibleCpus,
  setLogLevel,
  xdpMd,
} from '../src/native/index.ts';

const FIXTURE = new URL('../build/bpf/native_fixture.bpf.o', import.meta.url).pathname;

/** Ethernet + IPv4 + UDP, `len` bytes, from `src` (dotted quad) to port `dport`. */
function udpPacket(src: string, dport: number, len = 64): Buffer {
  const p = Buffer.alloc(len);
  p.writeUInt16BE(0x0800, 12);
  p[14] = 0x45;
  p.writeUInt16BE(len - 14, 16);
  p[22] = 64;
  p[23] = 17;
  Buffer.from(src.split('.').map(Number)).copy(p, 26);
  Buffer.from([198, 18, 0, 2]).copy(p, 30);
  p.writeUInt16BE(12345, 34);
  p.writeUInt16BE(dport, 36);
  p.writeUInt16BE(len - 34, 38);
  return p;
}

function loaded(configure?: (o: BpfObject) => void): BpfObject {
  const o = BpfObject.open(FIXTURE);
  configure?.(o);
  o.load();
  return o;
}

function throwsBpf(t: import('ava').ExecutionContext, fn: () => unknown, op: string, code: string): BpfError {
  const e = t.throws(fn, { instanceOf: BpfError });
  t.is(e.op, op);
  t.is(e.code, code);
  t.true(e.errno > 0);
  return e;
}

test('libbpf version and possible CPUs', (t) => {
  t.regex(libbpfVersion(), /^v1\.\d+$/);
  t.true(numPossibleCpus() >= 1);
});

test('open lists maps and programs before load', (t) => {
  const o = BpfObject.open(FIXTURE);
  t.teardown(() => o.close());
  t.false(o.loaded);
  const maps = Object.fromEntries(o.mapSpecs().map((m) => [m.name, m]));
  t.is(maps.nf_hash.typeName, 'hash');
  t.is(maps.nf_hash.keySize, 4);
  t.is(maps.nf_hash.valueSize, 8);
  t.is(maps.nf_array.typeName, 'array');
  t.is(maps.nf_percpu.typeName, 'percpu_array');
  t.is(maps.nf_lpm.typeName, 'lpm_trie');
  t.is(maps.nf_events.typeName, 'ringbuf');
  t.true(o.mapSpecs().some((m) => m.internal && m.name.endsWith('.rodata')));
  const progs = Object.fromEntries(o.programSpecs().map((p) => [p.name, p]));
  t.is(progs.nf_xdp.typeName, 'xdp');
  t.true(progs.nf_xdp.autoload);
  t.false(progs.nf_bad.autoload);
});

test('setMapMaxEntries before load sizes the created map', (t) => {
  const o = loaded((x) => x.setMapMaxEntries('nf_hash', 100));
  t.teardown(() => o.close());
  t.is(o.map('nf_hash').info.maxEntries, 100);
  t.true(o.map('nf_hash').info.id > 0);
  t.is(o.map('nf_hash'), o.map('nf_hash'), 'one cached handle per name');
  t.deepEqual(o.programs().map((p) => p.name), ['nf_xdp']);
});

test('setGlobal writes .rodata knobs (number, bigint) that the program sees', (t) => {
  const o = loaded((x) => {
    x.setGlobal('nf_retval', constants.XDP_DROP);
    x.setGlobal('nf_cookie', 0xfedcba9876543210n);
    x.setGlobal('nf_small', 5);
  });
  t.teardown(() => o.close());
  const p = o.program('nf_xdp');
  t.is(p.testRun({ data: udpPacket('203.0.113.9', 53) }).retval, constants.XDP_DROP);
  const last = o.getGlobal('nf_last'); // .bss, read live after load
  t.is(last.readBigUInt64LE(8), 0xfedcba9876543210n);
  t.is(last[26] & 7, 5);
  t.deepEqual(o.globalInfo('nf_cookie'), { section: '.rodata', offset: 8, size: 8 });
});

test('setGlobal: Buffer of the exact size, range and size checks', (t) => {
  const o = BpfObject.open(FIXTURE);
  t.teardown(() => o.close());
  const four = Buffer.alloc(4);
  four.writeUInt32LE(constants.XDP_TX);
  o.setGlobal('nf_retval', four);
  t.deepEqual(o.getGlobal('nf_retval'), four);
  o.setGlobal('nf_retval', -1); // signed range accepted, two's complement
  t.is(o.getGlobal('nf_retval').readUInt32LE(0), 0xffffffff);
  const e = throwsBpf(t, () => o.setGlobal('nf_retval', Buffer.alloc(8)), 'bpf_map__initial_value', 'EINVAL');
  t.regex(e.message, /nf_retval is 4 bytes, got 8/);
  t.throws(() => o.setGlobal('nf_small', 256), { instanceOf: RangeError });
  t.throws(() => o.setGlobal('nf_small', 1.5), { instanceOf: RangeError });
  throwsBpf(t, () => o.setGlobal('nf_nope', 1), 'btf__find_by_name_kind', 'ENOENT');
});

test('after load: .data/.bss are live, .rodata is read-only', (t) => {
  const o = loaded((x) => x.setGlobal('nf_seen', 100)); // .bss initial value
  t.teardown(() => o.close());
  const p = o.program('nf_xdp');
  const pkt = udpPacket('203.0.113.9', 53);
  p.testRun({ data: pkt });
  p.testRun({ data: pkt });
  t.is(o.getGlobal('nf_seen').readBigUInt64LE(0), 102n);
  o.setGlobal('nf_step', 10); // .data: the hash increment
  p.testRun({ data: pkt });
  const key = Buffer.alloc(4);
  key.writeUInt32LE(64);
  t.is(o.map('nf_hash').lookup(key)?.readBigUInt64LE(0), 12n);
  throwsBpf(t, () => o.setGlobal('nf_retval', 1), 'bpf_map__initial_value', 'EPERM');
  t.is(o.getGlobal('nf_retval').readUInt32LE(0), constants.XDP_PASS);
});

test('testRun: data in and out, duration, allocating and runner forms agree', (t) => {
  const o = loaded();
  t.teardown(() => o.close());
  const p = o.program('nf_xdp');
  t.is(p.typeName, 'xdp');
  t.true(p.id > 0 && p.fd > 0);
  const pkt = udpPacket('203.0.113.9', 53);
  const r = p.testRun({ data: pkt, repeat: 10 });
  t.is(r.retval, constants.XDP_PASS);
  t.is(r.dataSize, 64);
  t.deepEqual(r.dataOut, pkt);
  t.true(r.duration > 0);

  const out = Buffer.alloc(256);
  const big = Buffer.alloc(1500);
  pkt.copy(big);
  const runner = p.runner({ dataOut: out });
  t.is(runner.run(big, 64), constants.XDP_PASS);
  t.is(runner.dataSize, 64);
  t.deepEqual(out.subarray(0, 64), pkt);
  t.is(runner.run(big, 100), constants.XDP_PASS);
  t.is(runner.dataSize, 100);
  t.throws(() => runner.run(big, 2000), { instanceOf: RangeError });
  // nf_hash counts per length: 10 + 1 at 64 bytes, 1 at 100.
  const key = Buffer.alloc(4);
  key.writeUInt32LE(64);
  t.is(o.map('nf_hash').lookup(key)?.readBigUInt64LE(0), 11n);
});

test('testRun: XDP ctx metadata area round-trips through data_out', (t) => {
  const o = loaded();
  t.teardown(() => o.close());
  const p = o.program('nf_xdp');
  const pkt = udpPacket('203.0.113.9', 53);
  const meta = 8;
  const data = Buffer.concat([Buffer.alloc(meta), pkt]);
  data.writeUInt32LE(41, 0);
  data.writeUInt32LE(0xabcdef01, 4);
  const ctxOut = Buffer.alloc(constants.SIZEOF_XDP_MD);
  const r = p.testRun({ data, ctxIn: xdpMd({ metaLength: meta, dataLength: pkt.length }), ctxOut });
  t.is(r.retval, constants.XDP_PASS);
  t.is(r.dataSize, meta + pkt.length);
  t.is(r.dataOut!.readUInt32LE(0), 42, 'the program incremented the first metadata word');
  t.is(r.dataOut!.readUInt32LE(4), 0xabcdef01, 'the rest of the metadata is untouched');
  t.deepEqual(r.dataOut!.subarray(meta), pkt);
  t.is(r.ctxSize, constants.SIZEOF_XDP_MD);
  t.is(ctxOut.readUInt32LE(0), meta, 'ctx.data = metadata length');
  t.is(ctxOut.readUInt32LE(4), meta + pkt.length, 'ctx.data_end = total');
  t.is(o.getGlobal('nf_last').readUInt32LE(28), 41, 'the program saw the metadata');
});

test('runner: ctxIn contents are read per run; a closed program throws EBADF', (t) => {
  const o = loaded();
  t.teardown(() => o.close());
  const p = o.program('nf_xdp');
  const pkt = udpPacket('203.0.113.9', 53);
  const data = Buffer.alloc(8 + pkt.length);
  const ctxIn = xdpMd({ metaLength: 0, dataLength: pkt.length });
  const out = Buffer.alloc(512);
  const r = p.runner({ dataOut: out, ctxIn });
  pkt.copy(data);
  r.run(data, pkt.length);
  t.is(r.dataSize, pkt.length);
  // Same buffers, new layout: 8 bytes of metadata in front of the packet.
  pkt.copy(data, 8);
  data.writeUInt32LE(9, 0);
  xdpMd({ metaLength: 8, dataLength: pkt.length }, ctxIn);
  r.run(data);
  t.is(r.dataSize, 8 + pkt.length);
  t.is(out.readUInt32LE(0), 10);
  t.throws(() => p.runner({ stats: 1 } as never), { instanceOf: TypeError });
  const mine = new Uint32Array(4);
  const r2 = p.runner({ stats: mine });
  r2.run(pkt);
  t.is(mine[1], pkt.length, "the caller's stats array receives dataSizeOut");
  p.close();
  throwsBpf(t, () => r.run(data), 'bpf_prog', 'EBADF');
});

test('testRun: LPM trie drives the verdict', (t) => {
  const o = loaded();
  t.teardown(() => o.close());
  const lpm = o.map('nf_lpm');
  const key = Buffer.from([15, 0, 0, 0, 198, 18, 0, 0]); // prefixlen 15 (host order), 198.18.0.0
  const val = Buffer.alloc(4);
  val.writeUInt32LE(constants.XDP_DROP);
  lpm.update(key, val);
  const p = o.program('nf_xdp');
  t.is(p.testRun({ data: udpPacket('198.19.7.7', 53) }).retval, constants.XDP_DROP);
  t.is(p.testRun({ data: udpPacket('198.20.0.1', 53) }).retval, constants.XDP_PASS);
  const probe = Buffer.from([32, 0, 0, 0, 198, 18, 200, 1]);
  t.deepEqual(lpm.lookup(probe), val, 'longest-prefix lookup from userspace');
});

test('testRun: BPF_F_TEST_XDP_LIVE_FRAMES with repeat runs the program per frame', (t) => {
  // The program drops every frame, so nothing reaches any interface.
  const o = loaded((x) => x.setGlobal('nf_retval', constants.XDP_DROP));
  t.teardown(() => o.close());
  const p = o.program('nf_xdp');
  const pkt = udpPacket('203.0.113.9', 53);
  const r = p.testRun({
    data: pkt,
    ctxIn: xdpMd({ dataLength: pkt.length }),
    repeat: 50,
    flags: constants.BPF_F_TEST_XDP_LIVE_FRAMES,
    batchSize: 16,
  });
  t.is(r.dataOut, null);
  t.is(o.getGlobal('nf_seen').readBigUInt64LE(0), 50n);
});

test('testRun errors: output buffer too small, bad ctx', (t) => {
  const o = loaded();
  t.teardown(() => o.close());
  const p = o.program('nf_xdp');
  const pkt = udpPacket('203.0.113.9', 53);
  throwsBpf(t, () => p.testRun({ data: pkt, dataOut: Buffer.alloc(10) }), 'bpf_prog_test_run_opts', 'ENOSPC');
  const badCtx = xdpMd({ metaLength: 6, dataLength: pkt.length }); // metadata must be 4-aligned
  throwsBpf(t, () => p.testRun({ data: Buffer.concat([Buffer.alloc(6), pkt]), ctxIn: badCtx }), 'bpf_prog_test_run_opts', 'EINVAL');
  t.throws(() => p.testRun({ data: pkt, repaet: 3 } as never), { instanceOf: TypeError, message: /repaet/ });
});

test('load failure carries the verifier log', (t) => {
  const o = BpfObject.open(FIXTURE);
  t.teardown(() => o.close());
  o.setAutoload('nf_bad', true);
  const e = throwsBpf(t, () => o.load(), 'bpf_object__load', 'EACCES');
  t.regex(e.message, /invalid access to packet/);
  t.regex(e.log, /BEGIN PROG LOAD LOG/);
  t.false(o.loaded);
});

test('object error paths', (t) => {
  throwsBpf(t, () => BpfObject.open('/nonexistent/x.bpf.o'), 'bpf_object__open_file', 'ENOENT');
  t.throws(() => BpfObject.open(FIXTURE, { pinroot: '/x' } as never), { instanceOf: TypeError });
  const o = BpfObject.open(FIXTURE);
  throwsBpf(t, () => o.program('nope'), 'bpf_object__find_program_by_name', 'ENOENT');
  throwsBpf(t, () => o.map('nope'), 'bpf_object__find_map_by_name', 'ENOENT');
  throwsBpf(t, () => o.map('nf_hash'), 'bpf_map__fd', 'EINVAL'); // not loaded yet
  o.load();
  throwsBpf(t, () => o.load(), 'bpf_object__load', 'EBUSY');
  throwsBpf(t, () => o.setMapMaxEntries('nf_hash', 10), 'bpf_map__set_max_entries', 'EBUSY');
  const m = o.map('nf_hash');
  const p = o.program('nf_xdp');
  o.close();
  o.close();
  throwsBpf(t, () => o.map('nf_hash'), 'bpf_object', 'EBADF');
  // Handles outlive the object.
  t.is(p.testRun({ data: udpPacket('203.0.113.9', 53) }).retval, constants.XDP_PASS);
  t.is([...m.keys()].length, 1);
  m.close();
  m.close();
  throwsBpf(t, () => m.lookup(Buffer.alloc(4)), 'bpf_map', 'EBADF');
  p.close();
});

test('BTF: struct layout with bitfields, enum values', (t) => {
  const o = BpfObject.open(FIXTURE);
  t.teardown(() => o.close());
  const s = o.btf.struct('nf_record');
  t.is(s.size, 32);
  const m = Object.fromEntries(s.members.map((x) => [x.name, x]));
  t.deepEqual(
    s.members.map((x) => x.name),
    ['len', 'kind', 'cookie', 'first', 'port', 'flag', 'other', 'pad', 'meta'],
  );
  t.is(m.cookie.offset, 8);
  t.is(m.cookie.size, 8);
  t.is(m.first.count, 8);
  t.is(m.first.size, 8);
  t.is(m.kind.kind, 'enum');
  t.like(m.flag, { offset: 26, bitOffset: 208, bitSize: 3, size: 1 });
  t.like(m.other, { offset: 26, bitOffset: 211, bitSize: 5 });
  t.is(m.meta.offset, 28);
  t.deepEqual(o.btf.enumValues('nf_kind'), { NF_KIND_A: 1, NF_KIND_B: 7, NF_KIND_MAX: 0x10000 });
  t.is(o.btf.struct('nf_lpm_key').size, 8);
  throwsBpf(t, () => o.btf.struct('nope'), 'btf__find_by_name_kind', 'ENOENT');
  throwsBpf(t, () => o.btf.enumValues('nope'), 'btf__find_by_name_kind', 'ENOENT');
});

test('log level is settable', (t) => {
  const before = getLogLevel();
  t.is(before, 'warn');
  setLogLevel('silent');
  t.is(getLogLevel(), 'silent');
  setLogLevel(before);
  t.throws(() => setLogLevel('loud' as never), { instanceOf: TypeError });
});

test('BpfError message and fields', (t) => {
  const e = new BpfError('bpf_map_update_elem', 17, '');
  t.is(e.code, 'EEXIST');
  t.is(e.name, 'BpfError');
  t.regex(e.message, /^bpf_map_update_elem: .*\(EEXIST\)$/);
  t.is(new BpfError('bpf_map_lookup_batch', 524).code, 'ENOTSUPP');
  const long = new BpfError('bpf_object__load', 13, Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n'));
  t.regex(long.message, /60 earlier lines/);
  t.regex(long.message, /line 99$/);
  t.notRegex(long.message, /line 59\n/);
});
