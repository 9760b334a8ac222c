// bench/flood: legitimate TCP transactions per second through a gateway running fwctl, without and
// with a spoofed SYN flood of N packets per second, and the ratio (issue 5: at least 90 % of the
// flood-free rate while the gateway's XDP takes the flood). See bench/README.md "bench/flood".
//   npx tsx bench/flood.ts [--pps 20000] [--seconds 5] [--conc 8] [--rounds 1] [--cpu N]
//                          [--threshold 1000] [--kernel] [--json]
import { parseArgs } from 'node:util';

import { availableParallelism } from 'node:os';
import { FloodTopo } from './flood/topo.ts';
import type { ClientResult } from './flood/tcp-agent.ts';

const { values: o } = parseArgs({
  options: {
    pps: { type: 'string', default: '20000' },
    seconds: { type: 'string', default: '5' },
    conc: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '1' },
    cpu: { type: 'string' },
    threshold: { type: 'string', default: '1000' },
    kernel: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const PPS = Number(o.pps);
const SECONDS = Number(o.seconds);
const CONC = Number(o.conc);
const ROUNDS = Number(o.rounds);
const CPU = o.cpu === undefined ? availableParallelism() - 1 : Number(o.cpu);
for (const [k, v] of Object.entries({ pps: PPS, seconds: SECONDS, conc: CONC, rounds: ROUNDS, cpu: CPU })) {
  if (!Number.isInteger(v) || v < 0 || (k !== 'pps' && k !== 'cpu' && v === 0)) throw new Error(`--${k}: a whole number, got ${v}`);
}

interface Row {
  round: number;
  what: string;
  tps: number;
  ok: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  /** Flood frames that reached the gateway's XDP, per second of the flood. */
  floodPps: number;
  /** Of them: answered from XDP, passed to SYNPROXY. */
  answered: number;
  passed: number;
  conntrack: number;
}

const log = (s: string) => { if (!o.json) process.stderr.write(`${s}\n`); };
const topo = new FloodTopo(`fsb${process.pid}`);
const rows: Row[] = [];

async function measure(round: number, what: string, pps: number): Promise<Row> {
  const l0 = (await topo.synproxyList()).counters;
  const in0 = topo.gatewayXdpPackets('attacker');
  let ct = topo.conntrackCount();
  let client: ClientResult;
  let floodNs = 0;
  if (pps > 0) {
    const flood = topo.flood(pps, SECONDS + 2, CPU);
    await new Promise((r) => setTimeout(r, 1000)); // the flood is on, cookie mode with it
    client = await topo.client(SECONDS, CONC);
    ct = topo.conntrackCount();
    floodNs = (await flood).ns;
  } else {
    client = await topo.client(SECONDS, CONC);
  }
  const l1 = (await topo.synproxyList()).counters;
  const arrived = topo.gatewayXdpPackets('attacker') - in0;
  const row: Row = {
    round, what, tps: client.tps, ok: client.ok, failed: client.failed, p50Ms: client.p50Ms, p99Ms: client.p99Ms,
    floodPps: floodNs ? arrived / (floodNs / 1e9) : 0,
    answered: l1.syn_answered - l0.syn_answered, passed: l1.syn_passed - l0.syn_passed, conntrack: ct,
  };
  log(`  ${what}: ${row.tps.toFixed(0)} tx/s (${row.ok} ok, ${row.failed} failed ${JSON.stringify(client.causes)})${pps ? `, flood ${row.floodPps.toFixed(0)} pps at the gateway` : ''}`);
  return row;
}

async function main(): Promise<void> {
  log(`bench/flood: ${CONC} clients x ${SECONDS} s, flood ${PPS || 'unpaced'} pps (generator on CPU ${CPU}), ${ROUNDS} round(s)`);
  topo.up();
  await topo.startServer();
  await topo.loadGateway();
  await topo.protect('--mode', 'auto', '--threshold', String(o.threshold));
  await topo.client(1, CONC); // warm-up: agents, ARP, conntrack
  for (let r = 1; r <= ROUNDS; r++) {
    rows.push(await measure(r, 'no flood', 0));
    rows.push(await measure(r, 'flood, XDP cookies', PPS));
    if (o.kernel) {
      // the same flood with cookie mode never on: SYNPROXY in the kernel answers every SYN
      await topo.protect('--mode', 'auto', '--threshold', String(0xffffffff));
      rows.push(await measure(r, 'flood, kernel SYNPROXY only', PPS));
      await topo.protect('--mode', 'auto', '--threshold', String(o.threshold));
    }
  }
}

function report(): void {
  const base = rows.filter((r) => r.what === 'no flood');
  const best = (what: string) => Math.max(...rows.filter((r) => r.what === what).map((r) => r.tps));
  const baseTps = Math.max(...base.map((r) => r.tps));
  const ratios = Object.fromEntries([...new Set(rows.map((r) => r.what))].filter((w) => w !== 'no flood').map((w) => [w, best(w) / baseTps]));
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ pps: PPS, seconds: SECONDS, conc: CONC, rows, ratios })}\n`);
    return;
  }
  const head = ['round', 'what', 'tx/s', 'ok', 'failed', 'p50 ms', 'p99 ms', 'flood pps', 'answered', 'passed', 'conntrack'];
  const body = rows.map((r) => [String(r.round), r.what, r.tps.toFixed(0), String(r.ok), String(r.failed), r.p50Ms.toFixed(2),
    r.p99Ms.toFixed(2), r.floodPps.toFixed(0), String(r.answered), String(r.passed), String(r.conntrack)]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (c: string[]) => c.map((x, i) => (i === 1 ? x.padEnd(w[i]) : x.padStart(w[i]))).join('  ');
  process.stdout.write(`${[line(head), ...body.map(line)].join('\n')}\n`);
  for (const [what, ratio] of Object.entries(ratios)) {
    process.stdout.write(`ratio ${what} / no flood (best rounds): ${(100 * ratio).toFixed(1)} %${what.includes('XDP') ? (ratio >= 0.9 ? '  (target >= 90 %: met)' : '  (target >= 90 %: NOT met)') : ''}\n`);
  }
}

let code = 0;
try {
  await main();
  report();
} catch (e) {
  process.stderr.write(`bench/flood: ${(e as Error).stack ?? String(e)}\n`);
  code = 2;
} finally {
  const left = await topo.down();
  if (left.length) {
    process.stderr.write(`bench/flood: cleanup left: ${left.join('; ')}\n`);
    code = 2;
  }
}
process.exit(code);
