// The rate-limit configuration: table tests of the schema and its defaults, each invalid-input code
// produced by a case, and the code catalogue equal to the table in docs/ratelimit.md.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';

import { decodeLimit, encodeLimit, loadConfigFile, parseConfig, parseDurationNs, parseLimit, RL_CODES, type RlCode } from '../src/ratelimit/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'fwctl-rlcfg-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

test('defaults: burst = one second of the rate, prefixes /24 and /64, drop, detectors off, detector block 10 min', (t) => {
  const c = parseConfig({ limits: [{ id: 1, pps: 50 }, { id: 2, track: 'prefix', bps: 1000 }] });
  t.like(c.limits[0], { id: 1, track: 'src', pps: 50, burst: 50, bps: 0, bytesBurst: 0, action: 'drop', blockNs: 0n });
  t.like(c.limits[1], { track: 'prefix', prefix4: 24, prefix6: 64, bps: 1000, bytesBurst: 1000, pps: 0 });
  t.deepEqual(c.detectors, { scan: null, flood: null, blockNs: 600_000_000_000n, monitor: false });
  const d = parseConfig({ scan: { ports: 20, window: '1500ms' }, flood: { packets: 10, window: 2 }, block: '1h30m', monitor: true }).detectors;
  t.deepEqual(d, { scan: { ports: 20, windowNs: 1_500_000_000n }, flood: { packets: 10, windowNs: 2_000_000_000n }, blockNs: 5_400_000_000_000n, monitor: true });
});

test('durations', (t) => {
  t.is(parseDurationNs('90s', 'x'), 90_000_000_000n);
  t.is(parseDurationNs('1h30m', 'x'), 5_400_000_000_000n);
  t.is(parseDurationNs('2d', 'x'), 172_800_000_000_000n);
  t.is(parseDurationNs('250ms', 'x'), 250_000_000n);
  t.is(parseDurationNs('7', 'x'), 7_000_000_000n);
  t.is(parseDurationNs(0.5, 'x'), 500_000_000n);
  t.is(code(() => parseDurationNs('5 min', 'x')), 'E_RL_DURATION');
});

test('a limit survives the map encoding unchanged', (t) => {
  const l = parseLimit({ id: 9, track: 'rule', sid: 2000, pps: 5, burst: 7, bps: 100, bytes_burst: 300, block: '30s' });
  t.deepEqual(decodeLimit(encodeLimit(l)), l);
});

const INVALID: Array<[string, RlCode, () => unknown]> = [
  ['unknown key', 'E_RL_CONFIG', () => parseConfig({ limts: [] })],
  ['rate out of range', 'E_RL_CONFIG', () => parseConfig({ limits: [{ id: 1, pps: -1 }] })],
  ['no rate', 'E_RL_CONFIG', () => parseLimit({ id: 1 })],
  ['sid without track rule', 'E_RL_CONFIG', () => parseLimit({ id: 1, pps: 1, sid: 5 })],
  ['monitor with block', 'E_RL_CONFIG', () => parseLimit({ id: 1, pps: 1, action: 'monitor', block: '1m' })],
  ['prefix length', 'E_RL_CONFIG', () => parseLimit({ id: 1, pps: 1, track: 'prefix', prefix4: 33 })],
  ['bad duration', 'E_RL_DURATION', () => parseLimit({ id: 1, pps: 1, block: 'soon' })],
  ['duplicate id', 'E_RL_DUPLICATE_ID', () => parseConfig({ limits: [{ id: 3, pps: 1 }, { id: 3, bps: 1 }] })],
  ['17 limits', 'E_RL_CONFIG', () => parseConfig({ limits: Array.from({ length: 17 }, (_, i) => ({ id: i + 1, pps: 1 })) })],
  ['missing file', 'E_RL_FILE', () => loadConfigFile(join(dir, 'nope.json'))],
  ['not JSON', 'E_RL_FILE', () => {
    writeFileSync(join(dir, 'bad.json'), '{\n  "limits": [\n    { "id": 1, "pps": 1 },,\n  ]\n}\n');
    return loadConfigFile(join(dir, 'bad.json'));
  }],
];

for (const [name, want, fn] of INVALID) {
  test(`invalid: ${name} -> ${want}`, (t) => {
    t.is(code(fn), want);
  });
}

test('a file that is not JSON is reported with its line and column', (t) => {
  writeFileSync(join(dir, 'bad2.json'), '{\n  "limits": [\n    { "id": 1, "pps": 1 },,\n  ]\n}\n');
  const e = t.throws(() => loadConfigFile(join(dir, 'bad2.json')));
  t.regex(e!.message, /bad2\.json:3:\d+: not JSON/);
});

test('docs/ratelimit.md lists exactly the codes of the catalogue, with their exit codes', (t) => {
  const doc = readFileSync('docs/ratelimit.md', 'utf8');
  const rows = [...doc.matchAll(/^\| `(E_RL_[A-Z_]+)` \| (\d) \|/gm)].map((m) => [m[1], Number(m[2])]);
  t.deepEqual(rows, Object.entries(RL_CODES).map(([c, i]) => [c, i.exit === 'invalid' ? 1 : 2]));
});
