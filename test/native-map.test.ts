// BpfMap against the real kernel: CRUD and flags, iteration, batch ops, per-CPU values, pins,
// ids, and sharing maps between loads (reuseMap, setPinPath). Pins go under a per-process directory
// in /sys/fs/bpf that each test removes. Needs root and build/bpf/native_fixture.bpf.o.
import test, { type ExecutionContext } from 'ava';
import { mkdirSync, rmSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import {
  BpfError,
  BpfMap,
  BpfObject,
  BpfProgram,
  constants,
  joinPerCpu,
  numPossibleCpus,
} from '../src/native/index.ts';

const FIXTURE = new URL('../build/bpf/native_fixture.bpf.o', import.meta.url).pathname;

function loaded(configure?: (o: BpfObject) => void): BpfObject {
  const o = BpfObject.open(FIXTURE);
  configure?.(o);
  o.load();
  return o;
}

function throwsBpf(t: ExecutionContext, fn: () => unknown, op: string, code: string): BpfError {
  const e = t.throws(fn, { instanceOf: BpfError });
  t.is(e.op, op);
  t.is(e.code, code);
  return e;
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const u64 = (n: bigint | number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};

/** A fresh pin directory for one test, removed (with what the test pinned in it) at teardown. */
function pinDir(t: ExecutionContext): string {
  const dir = `/sys/fs/bpf/fwn-${process.pid}-${randomBytes(4).toString('hex')}`;
  mkdirSync(dir);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('hash: update flags, lookup, delete', (t) => {
  const o = loaded();
  t.teardown(() => o.close());
  const m = o.map('nf_hash');
  t.like(m.info, { name: 'nf_hash', typeName: 'hash', keySize: 4, valueSize: 8, maxEntries: 64 });
  t.false(m.perCpu);
  t.is(m.lookup(u32(1)), null);
  m.update(u32(1), u64(100), 'noexist');
  t.deepEqual(m.lookup(u32(1)), u64(100));
  throwsBpf(t, () => m.update(u32(1), u64(5), 'noexist'), 'bpf_map_update_elem', 'EEXIST');
  throwsBpf(t, () => m.update(u32(2), u64(5), 'exist'), 'bpf_map_update_elem', 'ENOENT');
  m.update(u32(1), u64(101), 'exist');
  m.update(u32(1), u64(102));
  const out = Buffer.alloc(8);
  t.is(m.lookup(u32(1), out), out, 'fills and returns the caller buffer');
  t.is(out.readBigUInt64LE(0), 102n);
  t.true(m.delete(u32(1)));
  t.false(m.delete(u32(1)));
  m.update(u32(3), u64(3));
  t.deepEqual(m.lookupAndDelete(u32(3)), u64(3));
  t.is(m.lookup(u32(3)), null);
  t.throws(() => m.lookup(Buffer.alloc(3)), { instanceOf: RangeError });
  t.throws(() => m.update(u32(1), Buffer.alloc(4)), { instanceOf: RangeError });
  t.throws(() => m.lookup(u32(1), Buffer.alloc(4)), { instanceOf: RangeError });
  t.throws(() => m.update(u32(1), u64(1), 'sometimes' as never), { instanceOf: TypeError });
});

test('hash: full map refuses a new key with E2BIG', (t) => {
  const o = loaded((x) => x.setMapMaxEntries('nf_hash', 4));
  t.teardown(() => o.close());
  const m = o.map('nf_hash');
  for (let i = 0; i < 4; i++) m.update(u32(i), u64(i));
  throwsBpf(t, () => m.update(u32(99), u64(1)), 'bpf_map_update_elem', 'E2BIG');
});

test('iteration: nextKey, keys(), entries()', (t) => {
  const o = loaded();
  t.teardown(() => o.close());
  const m = o.map('nf_hash');
  t.is(m.nextKey(null), null);
  for (let i = 10; i < 30; i++) m.update(u32(i), u64(i * 2));
  const keys = [...m.keys()].map((k) => k.readUInt32LE(0)).sort((a, b) => a - b);
  t.deepEqual(keys, Array.from({ length: 20 }, (_, i) => i + 10));
  for (const [k, v] of m.entries()) t.is(v.readBigUInt64LE(0), BigInt(k.readUInt32LE(0) * 2));
  const first = m.nextKey(null)!;
  t.not(m.nextKey(first), null);
});

test('array: fixed keys, delete is EINVAL, out of range', (t) => {
  const o = loaded();
  t.teardown(() => o.close());
  const a = o.map('nf_array');
  t.is(a.info.valueSize, 16);
  t.deepEqual(a.lookup(u32(0)), Buffer.alloc(16), 'array slots exist, zeroed');
  const v = Buffer.alloc(16);
  v.writeBigUInt64LE(7n, 0);
  v.writeBigUInt64LE(700n, 8);
  a.update(u32(2), v);
  t.deepEqual(a.lookup(u32(2)), v);
  throwsBpf(t, () => a.delete(u32(2)), 'bpf_map_delete_elem', 'EINVAL');
  t.is(a.lookup(u32(4)), null);
  throwsBpf(t, () => a.update(u32(4), v), 'bpf_map_update_elem', 'E2BIG');
  throwsBpf(t, () => a.update(u32(1), v, 'noexist'), 'bpf_map_update_elem', 'EEXIST');
  t.deepEqual([...a.keys()].map((k) => k.readUInt32LE(0)), [0, 1, 2, 3]);
});

test('batch: update, lookup with cursor, delete, lookup-and-delete', (t) => {
  const o = loaded();
  t.teardown(() => o.close());
  const m = o.map('nf_hash');
  const n = 40;
  const keys = Buffer.alloc(4 * n);
  const values = Buffer.alloc(8 * n);
  for (let i = 0; i < n; i++) {
    keys.writeUInt32LE(1000 + i, 4 * i);
    values.writeBigUInt64LE(BigInt(i) * 3n, 8 * i);
  }
  t.is(m.updateBatch(keys, values), n);
  t.deepEqual(m.lookup(u32(1007)), u64(21));

  const seen = new Map<number, bigint>();
  let cursor: Buffer | null = null;
  let calls = 0;
  for (;;) {
    const kb = Buffer.alloc(4 * 16);
    const vb = Buffer.alloc(8 * 16);
    const r = m.lookupBatch({ keys: kb, values: vb, count: 16, cursor });
    calls++;
    for (let i = 0; i < r.count; i++) seen.set(kb.readUInt32LE(4 * i), vb.readBigUInt64LE(8 * i));
    if (r.done) break;
    cursor = r.cursor;
    if (calls > 20) break;
  }
  t.true(calls >= 3, 'needed several chunks');
  t.is(seen.size, n);
  t.is(seen.get(1039), 39n * 3n);

  let viaGen = 0;
  for (const b of m.batches(7)) viaGen += b.count;
  t.is(viaGen, n);

  t.is(m.deleteBatch(keys.subarray(0, 40), 10), 10);
  t.is([...m.keys()].length, n - 10);
  throwsBpf(t, () => m.deleteBatch(keys, 1), 'bpf_map_delete_batch', 'ENOENT');

  let drained = 0;
  cursor = null;
  for (;;) {
    const r = m.lookupAndDeleteBatch({ keys: Buffer.alloc(4 * 64), values: Buffer.alloc(8 * 64), count: 64, cursor });
    drained += r.count;
    if (r.done) break;
    cursor = r.cursor;
  }
  t.is(drained, n - 10);
  t.is(m.nextKey(null), null);
  t.throws(() => m.lookupBatch({ keys: Buffer.alloc(4), values: Buffer.alloc(8), count: 2 }), { instanceOf: RangeError });
});

test('batch: map types without batch support throw with the op', (t) => {
  const o = loaded();
  t.teardown(() => o.close());
  const rb = o.map('nf_events');
  t.is(rb.info.typeName, 'ringbuf');
  const e = throwsBpf(
    t,
    () => rb.lookupBatch({ keys: Buffer.alloc(0), values: Buffer.alloc(0), count: 1 }),
    'bpf_map_lookup_batch',
    'ENOTSUPP',
  );
  t.is(e.errno, 524);
  const arr = o.map('nf_array');
  t.is(arr.lookupBatch({ keys: Buffer.alloc(4 * 8), values: Buffer.alloc(16 * 8), count: 8 }).count, 4);
  const lpm = o.map('nf_lpm');
  lpm.update(Buffer.from([24, 0, 0, 0, 198, 18, 1, 0]), u32(1));
  t.is(lpm.lookupBatch({ keys: Buffer.alloc(8 * 4), values: Buffer.alloc(4 * 4), count: 4 }).count, 1);
});

test('per-CPU array: one slot per possible CPU', (t) => {
  const o = loaded();
  t.teardown(() => o.close());
  const m = o.map('nf_percpu');
  const cpus = numPossibleCpus();
  t.true(m.perCpu);
  t.is(m.valueBufferSize, 8 * cpus);
  const p = o.program('nf_xdp');
  const pkt = Buffer.alloc(64);
  for (let i = 0; i < 5; i++) p.testRun({ data: pkt });
  p.testRun({ data: pkt, repeat: 7 });
  const slots = m.lookupPerCpu(u32(0))!;
  t.is(slots.length, cpus);
  t.is(slots.reduce((s, b) => s + b.readBigUInt64LE(0), 0n), 12n);

  const values = Array.from({ length: cpus }, (_, i) => u64(100 + i));
  m.update(u32(1), joinPerCpu(values, 8, cpus));
  t.deepEqual(m.lookupPerCpu(u32(1)), values);
  t.throws(() => m.update(u32(1), Buffer.alloc(8 * cpus + 8)), { instanceOf: RangeError });
  t.throws(() => o.map('nf_hash').lookupPerCpu(u32(0)), { instanceOf: TypeError });
});

test('pin, fromPinned, unpin; pinned program; fromId', (t) => {
  const dir = pinDir(t);
  const o = loaded();
  t.teardown(() => o.close());
  const m = o.map('nf_hash');
  m.update(u32(5), u64(55));
  m.pin(`${dir}/hash`);
  throwsBpf(t, () => m.pin(`${dir}/hash`), 'bpf_obj_pin', 'EEXIST');
  const again = BpfMap.fromPinned(`${dir}/hash`);
  t.is(again.info.id, m.info.id);
  t.not(again.fd, m.fd);
  t.deepEqual(again.lookup(u32(5)), u64(55));
  again.update(u32(6), u64(66));
  t.deepEqual(m.lookup(u32(6)), u64(66), 'one map behind both handles');
  again.close();

  const p = o.program('nf_xdp');
  p.pin(`${dir}/prog`);
  const p2 = BpfProgram.fromPinned(`${dir}/prog`);
  t.is(p2.id, p.id);
  t.is(p2.name, 'nf_xdp');
  t.is(p2.testRun({ data: Buffer.alloc(64) }).retval, constants.XDP_PASS);
  throwsBpf(t, () => BpfMap.fromPinned(`${dir}/prog`), 'bpf_obj_get', 'EINVAL');
  throwsBpf(t, () => BpfProgram.fromPinned(`${dir}/hash`), 'bpf_obj_get', 'EINVAL');
  p2.close();

  const byId = BpfMap.fromId(m.info.id);
  t.is(byId.name, 'nf_hash');
  byId.close();
  t.is(BpfProgram.fromId(p.id).name, 'nf_xdp');

  m.unpin(`${dir}/hash`);
  t.false(existsSync(`${dir}/hash`));
  throwsBpf(t, () => BpfMap.fromPinned(`${dir}/hash`), 'bpf_obj_get', 'ENOENT');
  throwsBpf(t, () => BpfMap.unpin(`${dir}/hash`), 'unlink', 'ENOENT');
  BpfProgram.unpin(`${dir}/prog`);
  throwsBpf(t, () => BpfMap.fromId(0xfffffff0), 'bpf_map_get_fd_by_id', 'ENOENT');
  throwsBpf(t, () => BpfProgram.fromId(0xfffffff0), 'bpf_prog_get_fd_by_id', 'ENOENT');
});

test('reuseMap: a reloaded object shares a pinned map', (t) => {
  const dir = pinDir(t);
  const a = loaded();
  t.teardown(() => a.close());
  a.map('nf_hash').pin(`${dir}/hash`);
  const b = loaded((x) => x.reuseMap('nf_hash', `${dir}/hash`));
  t.teardown(() => b.close());
  t.is(b.map('nf_hash').info.id, a.map('nf_hash').info.id);
  t.not(b.map('nf_array').info.id, a.map('nf_array').info.id);
  b.program('nf_xdp').testRun({ data: Buffer.alloc(64) });
  t.deepEqual(a.map('nf_hash').lookup(u32(64)), u64(1), "b's program counted into a's map");
  const c = BpfObject.open(FIXTURE);
  t.teardown(() => c.close());
  throwsBpf(t, () => c.reuseMap('nf_hash', `${dir}/missing`), 'bpf_obj_get', 'ENOENT');
});

test('setPinPath: first load pins, second load reuses', (t) => {
  const dir = pinDir(t);
  const a = loaded((x) => x.setPinPath('nf_array', `${dir}/array`));
  t.teardown(() => a.close());
  t.true(existsSync(`${dir}/array`));
  t.is(a.mapSpecs().find((s) => s.name === 'nf_array')?.pinPath, `${dir}/array`);
  const b = loaded((x) => x.setPinPath('nf_array', `${dir}/array`));
  t.teardown(() => b.close());
  t.is(b.map('nf_array').info.id, a.map('nf_array').info.id);
});

test('handles: close is idempotent, closed handles throw EBADF', (t) => {
  const o = loaded();
  const m = o.map('nf_hash');
  const p = o.program('nf_xdp');
  o.close();
  m.close();
  m.close();
  t.true(m.closed);
  throwsBpf(t, () => m.update(u32(1), u64(1)), 'bpf_map', 'EBADF');
  p.close();
  p.close();
  throwsBpf(t, () => p.testRun({ data: Buffer.alloc(64) }), 'bpf_prog', 'EBADF');
  t.is(m.fd, -1);
});
