// bench/live: packets per second dropped on a veth pair by the same ruleset loaded into fwctl's XDP
// datapath, nftables and iptables, side by side in one run, with the ratios. See bench/README.md.
//
//   npx tsx bench/live.ts [--rules 1000] [--seconds 3] [--rounds 1] [--flows 1024] [--cpu N]
//                         [--engines xdp,xdp-1,nft,nft-1,nft-sets,nft-ingress,iptables,iptables-legacy]
//                         [--batch 64] [--seed 1] [--skip-verify] [--json]
//
// Each measurement gets a fresh pair of network namespaces (fwb<pid>-<k>s, fwb<pid>-<k>r) joined
// by a veth. The receiver end gets the engine; the generator (bench/live/gen-child.ts) runs in the
// sender namespace on one CPU and hands the veth XDP frames with BPF_PROG_TEST_RUN live frames.
// Rates are the receiver's own drop counters over the generator's run time.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import { DEFAULT_OBJECT } from '../src/datapath/index.ts';
import { killChildren, ReceiverAgent, runGenerator } from './live/children.ts';
import { ENGINE_KIND, ENGINE_NAMES, type EngineName } from './live/engines.ts';
import { GEN_OBJECT } from './live/gen-object.ts';
import { Namespaces, type Pair } from './live/netns.ts';
import type { Flow } from './live/packets.ts';
import { buildRows, checks, renderTable, type Sample, type Verification } from './live/report.ts';
import { checkTraffic, compileRules, type HitTraffic, hitFlows, ruleLines, trafficFlows } from './live/ruleset.ts';
import { haveTool } from './live/tools.ts';

interface Options {
  rules: number;
  seconds: number;
  rounds: number;
  flows: number;
  cpu: number;
  engines: EngineName[];
  batch: number;
  seed: number;
  verify: boolean;
  json: boolean;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      rules: { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '3' },
      rounds: { type: 'string', default: '1' },
      flows: { type: 'string', default: '1024' },
      cpu: { type: 'string', default: String(availableParallelism() - 1) },
      engines: { type: 'string', default: ENGINE_NAMES.join(',') },
      batch: { type: 'string', default: '64' },
      seed: { type: 'string', default: '1' },
      'skip-verify': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const int = (name: string, v: string, lo: number, hi: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < lo || n > hi) throw new RangeError(`--${name} must be an integer in [${lo}, ${hi}], got "${v}"`);
    return n;
  };
  const seconds = Number(values.seconds);
  if (!(seconds >= 0.5 && seconds <= 30)) throw new RangeError(`--seconds must be in [0.5, 30], got "${values.seconds}"`);
  const flows = int('flows', values.flows, 1, 4096);
  if ((flows & (flows - 1)) !== 0) throw new RangeError(`--flows must be a power of two, got ${flows}`);
  const engines = values.engines.split(',').map((e) => e.trim()).filter(Boolean);
  for (const e of engines) if (!(ENGINE_NAMES as readonly string[]).includes(e)) throw new RangeError(`unknown engine "${e}" (known: ${ENGINE_NAMES.join(', ')})`);
  return {
    rules: int('rules', values.rules, 1, 20_000),
    seconds,
    rounds: int('rounds', values.rounds, 1, 10),
    flows,
    cpu: int('cpu', values.cpu, 0, availableParallelism() - 1),
    engines: [...new Set(engines)] as EngineName[],
    batch: int('batch', values.batch, 1, 256),
    seed: int('seed', values.seed, 0, 0xffffffff),
    verify: !values['skip-verify'],
    json: values.json,
  };
}

/** What each engine needs on this machine; a missing piece fails before anything is created. */
function preflight(o: Options): void {
  if (process.getuid?.() !== 0) throw new Error('bench/live needs root (namespaces, XDP, nftables)');
  const missing: string[] = [];
  for (const f of [GEN_OBJECT, ...(o.engines.some((e) => e.startsWith('xdp')) ? [DEFAULT_OBJECT] : [])]) {
    if (!existsSync(f)) missing.push(`${f} (run: bash scripts/build.sh)`);
  }
  const tools = new Set(['ip', 'nsenter', 'taskset', 'ethtool']);
  for (const e of o.engines) {
    if (e.startsWith('nft')) tools.add('nft');
    if (e === 'iptables') ['iptables-nft-restore', 'iptables-nft-save'].forEach((t) => tools.add(t));
    if (e === 'iptables-legacy') ['iptables-legacy-restore', 'iptables-legacy-save'].forEach((t) => tools.add(t));
  }
  for (const t of tools) if (!haveTool(t)) missing.push(`${t} (run: bash scripts/setup.sh)`);
  if (missing.length > 0) throw new Error(`missing:\n  ${missing.join('\n  ')}`);
}

const log = (msg: string) => process.stderr.write(`bench/live: ${msg}\n`);

/** Frames per hit flow in the verification run. */
const VERIFY_FRAMES_PER_FLOW = 16;

/**
 * Sends the hit flows (each built to match a rule) and checks the engine dropped every frame and,
 * when it counts per rule, that each rule counted what the reference evaluator says it decides.
 */
async function verify(agent: ReceiverAgent, pair: Pair, o: Options, engine: EngineName, hit: HitTraffic): Promise<Verification> {
  const frames = hit.flows.length * VERIFY_FRAMES_PER_FLOW;
  const before = await agent.read();
  await runGenerator(pair.sender.netns, o.cpu, {
    ifname: pair.sender.ifname, srcMac: pair.sender.mac, dstMac: pair.receiver.mac, flows: hit.flows, seconds: 1, frames, batchSize: o.batch, cpu: o.cpu,
  });
  await sleep(100);
  const after = await agent.read();
  const problems: string[] = [];
  const dropped = after.dropped - before.dropped;
  if (dropped !== BigInt(frames)) problems.push(`dropped ${dropped} of ${frames} frames that match rules`);
  const kind = ENGINE_KIND[engine];
  if (!after.perRule || !before.perRule || kind.rules === 'none') return { level: problems.length ? 'FAIL' : 'total', problems };
  const n = after.perRule.length;
  const expected = kind.rules === 'full'
    ? (kind.counts === 'winner' ? hit.winners : hit.matches).map((c) => BigInt(c * VERIFY_FRAMES_PER_FLOW))
    : Array.from({ length: n }, (_v, i) => (i === n - 1 ? BigInt(frames) : 0n));
  const wrong = after.perRule.map((c, i) => ({ i, got: c - before.perRule![i], want: expected[i] })).filter((x) => x.got !== x.want);
  if (wrong.length > 0) {
    const e = wrong.slice(0, 3).map((x) => `rule #${x.i}: ${x.got} (reference: ${x.want})`).join(', ');
    problems.push(`${wrong.length} rules counted otherwise than the reference evaluator: ${e}`);
  }
  return { level: problems.length ? 'FAIL' : 'rules', problems };
}

async function measure(ns: Namespaces, o: Options, engine: EngineName, lines: string[], flows: Flow[], hit: HitTraffic | null): Promise<Sample> {
  const pair = ns.createPair();
  const agent = new ReceiverAgent(pair.receiver.netns);
  let failure: unknown;
  try {
    const setup = await agent.setup(engine, pair.receiver.ifname, lines);
    const verified = hit ? await verify(agent, pair, o, engine, hit) : null;
    const before = await agent.read();
    const rx0 = ns.rxPackets(pair.receiver);
    const gen = await runGenerator(pair.sender.netns, o.cpu, {
      ifname: pair.sender.ifname, srcMac: pair.sender.mac, dstMac: pair.receiver.mac, flows, seconds: o.seconds, batchSize: o.batch, cpu: o.cpu,
    });
    await sleep(200); // frames still in the veth ring are received by now
    const after = await agent.read();
    const rx1 = ns.rxPackets(pair.receiver);
    return {
      engine, setup, frames: gen.frames, ns: gen.ns, cpuNs: gen.cpuNs, softirqNs: gen.softirqNs, verified,
      dropped: after.dropped - before.dropped, byLast: after.byLast - before.byLast, passed: after.passed - before.passed, rx: rx1 - rx0,
    };
  } catch (e) {
    failure = e;
    throw e;
  } finally {
    // Cleanup errors are reported only when the measurement itself went through.
    try {
      await agent.close();
    } catch (e) {
      if (failure === undefined) throw e;
    } finally {
      ns.deletePair(pair);
    }
  }
}

async function main(): Promise<number> {
  const o = options();
  preflight(o);
  const lines = ruleLines(o.rules, o.seed);
  const rules = compileRules(lines);
  const flows = trafficFlows(o.flows, o.seed);
  checkTraffic(rules, flows);
  const hit = o.verify ? hitFlows(rules, Math.min(256, o.flows), o.seed) : null;
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  log(`${o.rules} rules + catch-all, ${o.flows} UDP flows of 60-byte frames, ${o.seconds} s per engine, ${o.rounds} round(s), generator on CPU ${o.cpu}, load average ${load}`);

  const ns = new Namespaces();
  log(`namespaces ${ns.prefix}-<k>s and ${ns.prefix}-<k>r, one pair per measurement (all removed at the end)`);
  const stop = (sig: string) => {
    killChildren();
    const left = ns.deleteAll();
    if (left.length) log(`could not delete: ${left.join(' ')} (ip netns del NAME)`);
    log(`interrupted (${sig}), cleaned up`);
    process.exit(130);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('exit', () => {
    killChildren();
    ns.deleteAll();
  });

  const samples: Sample[] = [];
  const errors = new Map<EngineName, string>();
  try {
    for (let round = 0; round < o.rounds; round++) {
      for (const engine of o.engines) {
        if (errors.has(engine)) continue;
        log(`round ${round + 1}: ${engine}`);
        try {
          samples.push(await measure(ns, o, engine, lines, flows, round === 0 ? hit : null));
        } catch (e) {
          errors.set(engine, (e as Error).message.split('\n')[0]);
          log(`${engine} failed: ${process.env.BENCH_LIVE_DEBUG ? (e as Error).stack : (e as Error).message}`);
        }
      }
    }
  } finally {
    killChildren();
    const left = ns.deleteAll();
    if (left.length) log(`could not delete: ${left.join(' ')} (ip netns del NAME)`);
  }

  const rows = buildRows(o.engines, samples, errors);
  const problems = checks(samples);
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ options: o, loadAverage: load, rows, problems, samples }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
  } else {
    console.log(`bench/live: ${o.rules} rules + catch-all; UDP, ${o.flows} flows matching no rule but the catch-all; ${o.seconds} s per engine on CPU ${o.cpu}; best of ${o.rounds}`);
    for (const l of renderTable(rows)) console.log(l);
    console.log('Mpps: drops per second; Mpps/core: per CPU-second the run used (generator + softirq); x nft: ratio to the nft row;');
    console.log('ns/pkt: CPU ns per packet, generator included; +ns: minus xdp-bare\'s; core: CPU share the run got. See bench/README.md.');
    for (const p of problems) console.log(`CHECK FAILED: ${p}`);
  }
  return errors.size > 0 || problems.length > 0 ? 2 : 0;
}

main().then((code) => process.exit(code), (e: unknown) => {
  log((e as Error).message);
  process.exit(e instanceof RangeError ? 1 : 2);
});
