// RingBuffer against the real kernel: records from the fixture's XDP program arrive through the
// event loop (never synchronously inside testRun), promises run between records, consume/close
// semantics, and process-level behaviour (unref, GC, throwing callbacks) in child processes.
import test from 'ava';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BpfError, BpfObject, RingBuffer } from '../src/native/index.ts';

const FIXTURE = new URL('../build/bpf/native_fixture.bpf.o', import.meta.url).pathname;
const FACADE = new URL('../src/native/index.ts', import.meta.url).pathname;
const run = promisify(execFile);

function loaded(): BpfObject {
  const o = BpfObject.open(FIXTURE);
  o.setGlobal('nf_cookie', 77n);
  o.load();
  return o;
}

function packet(len: number, dport: number): Buffer {
  const p = Buffer.alloc(len);
  p.writeUInt16BE(0x0800, 12);
  p[14] = 0x45;
  p.writeUInt16BE(dport, 36);
  return p;
}

interface Rec {
  len: number;
  kind: number;
  cookie: bigint;
  port: number;
}
const decode = (r: Buffer): Rec => ({
  len: r.readUInt32LE(0),
  kind: r.readUInt32LE(4),
  cookie: r.readBigUInt64LE(8),
  port: r.readUInt16LE(24),
});

function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = () => {
      if (cond()) resolve();
      else if (Date.now() - start > ms) reject(new Error('timed out'));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

test('records arrive through the event loop, copied and in order', async (t) => {
  const o = loaded();
  t.teardown(() => o.close());
  const recs: Buffer[] = [];
  const rb = new RingBuffer(o.map('nf_events'), (r) => recs.push(r));
  t.teardown(() => rb.close());
  const p = o.program('nf_xdp');
  p.testRun({ data: packet(64, 53) });
  p.testRun({ data: packet(120, 443) });
  p.testRun({ data: packet(80, 8080) });
  t.is(recs.length, 0, 'nothing is delivered synchronously');
  await waitFor(() => recs.length === 3);
  const got = recs.map(decode);
  t.deepEqual(got.map((r) => r.len), [64, 120, 80]);
  t.deepEqual(got.map((r) => r.kind), [7, 1, 7]);
  t.deepEqual(got.map((r) => r.cookie), [77n, 77n, 77n]);
  t.is(recs[0].length, 32);
  t.not(recs[0].buffer, recs[1].buffer, 'each record is its own copy');
});

test('microtasks run after each record (MakeCallback)', async (t) => {
  const o = loaded();
  t.teardown(() => o.close());
  const order: string[] = [];
  const rb = new RingBuffer(o.map('nf_events'), (r) => {
    const len = r.readUInt32LE(0);
    order.push(`rec${len}`);
    void Promise.resolve().then(() => order.push(`micro${len}`));
  });
  t.teardown(() => rb.close());
  const p = o.program('nf_xdp');
  p.testRun({ data: packet(64, 1) });
  p.testRun({ data: packet(65, 1) });
  await waitFor(() => order.length === 4);
  t.deepEqual(order, ['rec64', 'micro64', 'rec65', 'micro65']);
});

test('consume() delivers synchronously; close() from the callback stops delivery', (t) => {
  const o = loaded();
  t.teardown(() => o.close());
  const seen: number[] = [];
  const rb = new RingBuffer(o.map('nf_events'), (r) => {
    seen.push(r.readUInt32LE(0));
    if (seen.length === 2) rb.close();
  });
  const p = o.program('nf_xdp');
  for (const len of [60, 61, 62, 63]) p.testRun({ data: packet(len, 1) });
  rb.consume();
  t.deepEqual(seen, [60, 61], 'no record after close()');
  t.true(rb.closed);
  rb.close();
  const e = t.throws(() => rb.consume(), { instanceOf: BpfError });
  t.is(e.code, 'EBADF');
});

test('consume() returns the count and rethrows a callback exception', (t) => {
  const o = loaded();
  t.teardown(() => o.close());
  let calls = 0;
  const rb = new RingBuffer(o.map('nf_events'), (r) => {
    calls++;
    if (r.readUInt32LE(0) === 99) throw new Error('boom');
  });
  t.teardown(() => rb.close());
  const p = o.program('nf_xdp');
  p.testRun({ data: packet(64, 1) });
  p.testRun({ data: packet(64, 1) });
  t.is(rb.consume(), 2);
  t.is(rb.consume(), 0);
  p.testRun({ data: packet(99, 1) });
  p.testRun({ data: packet(64, 1) });
  t.throws(() => rb.consume(), { message: 'boom' });
  t.is(calls, 3, 'delivery stopped at the throwing record');
  t.is(rb.consume(), 1, 'the rest is still there');
});

test('RingBuffer rejects a map that is not a ring buffer', (t) => {
  const o = loaded();
  t.teardown(() => o.close());
  const e = t.throws(() => new RingBuffer(o.map('nf_hash'), () => {}), { instanceOf: BpfError });
  t.is(e.op, 'ring_buffer__new');
  t.throws(() => new RingBuffer(o.map('nf_events'), 5 as never), { instanceOf: TypeError });
});

/** Runs an ESM snippet (with `F` = the façade, `FIXTURE`) in a child node; returns its result. */
async function child(body: string, args: string[] = []) {
  const src = `import * as F from ${JSON.stringify(FACADE)}; const FIXTURE = ${JSON.stringify(FIXTURE)};\n${body}`;
  try {
    const r = await run(process.execPath, [...args, '--import=tsx', '--input-type=module', '-e', src], { timeout: 20_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout: string; stderr: string; killed?: boolean };
    return { code: x.killed ? -1 : (x.code ?? -1), stdout: x.stdout, stderr: x.stderr };
  }
}

test('child: an open ring buffer keeps a handle alive through GC; unref() lets the process exit', async (t) => {
  const r = await child(
    `
    const o = F.BpfObject.open(FIXTURE); o.load();
    let got = 0;
    new F.RingBuffer(o.map('nf_events'), () => { got++; }).unref();   // no reference kept
    globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); globalThis.gc();
    o.program('nf_xdp').testRun({ data: Buffer.alloc(64) });
    await new Promise((r) => setTimeout(r, 100));
    console.log('got', got);
    const rb2 = new F.RingBuffer(o.map('nf_events'), () => {});
    rb2.unref();   // without these unref()s the process would wait on the poll handles forever
    `,
    ['--expose-gc'],
  );
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /got 1/);
});

test('child: a throwing callback on the event loop is an uncaught exception', async (t) => {
  const r = await child(`
    const o = F.BpfObject.open(FIXTURE); o.load();
    process.on('uncaughtException', (e) => { console.log('caught', e.message); process.exit(3); });
    new F.RingBuffer(o.map('nf_events'), () => { throw new Error('from callback'); });
    o.program('nf_xdp').testRun({ data: Buffer.alloc(64) });
  `);
  t.is(r.code, 3, r.stderr);
  t.regex(r.stdout, /caught from callback/);
});
