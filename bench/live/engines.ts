// The engines under test, each set up on the receiving veth end of the namespace this process runs
// in (recv-agent.ts runs under `nsenter --net`). Every engine gets the same IR rules and reports
// the packets it dropped, and how many of them its last rule (the catch-all) dropped.
//
//   xdp-bare              an XDP program that only counts and drops (live_gen.bpf.o gen_drop): the path's ceiling
//   xdp, xdp-1            fwctl's datapath in native mode: the N rules + catch-all, or the catch-all alone
//   nft, nft-1            nftables, inet prerouting at priority raw: one rule per IR rule, or the catch-all alone
//   nft-sets              nftables, the same hook: the rules folded into interval sets by rule shape
//   nft-ingress           nftables, netdev ingress on the receiving veth: one rule per IR rule
//   iptables              iptables-nft (Debian's default `iptables`), raw PREROUTING, one rule per IR rule
//   iptables-legacy       iptables-legacy (x_tables), raw PREROUTING, one rule per IR rule
//
// The kernel-stack engines run behind gen_pass (live_gen.bpf.o), an XDP program that only returns
// XDP_PASS: veth hands redirected frames to its peer only when the peer runs XDP.
import { applyRuleset, capacityFor, Datapath, readReasonCounters, readRuleCounters } from '../../src/datapath/index.ts';
import { BpfObject, ifNameToIndex, xdpAttach, xdpDetach } from '../../src/native/index.ts';
import type { Rule } from '../../src/rules/index.ts';
import { planRuleset } from '../../src/rules/plan/index.ts';
import { GEN_OBJECT } from './gen-object.ts';
import { iptablesCounters, iptablesScript } from './iptables.ts';
import { type ChainCounters, NFT_TABLE, nftCounters, nftLinear, nftSets } from './nft.ts';
import { run } from './tools.ts';

export const ENGINE_NAMES = ['xdp-bare', 'xdp', 'xdp-1', 'nft', 'nft-1', 'nft-sets', 'nft-ingress', 'iptables', 'iptables-legacy'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

/** Which rules an engine holds (all, only the catch-all, none: it drops everything), and what its
 *  per-rule counters count: the rule that decided (a chain's first match), or every matching rule
 *  (fwctl: every matching drop/alert rule counts and alerts, as in Suricata). */
export const ENGINE_KIND: Record<EngineName, { rules: 'full' | 'catch-all' | 'none'; counts: 'winner' | 'every-match' }> = {
  'xdp-bare': { rules: 'none', counts: 'winner' },
  xdp: { rules: 'full', counts: 'every-match' },
  'xdp-1': { rules: 'catch-all', counts: 'every-match' },
  nft: { rules: 'full', counts: 'winner' },
  'nft-1': { rules: 'catch-all', counts: 'winner' },
  'nft-sets': { rules: 'full', counts: 'winner' },
  'nft-ingress': { rules: 'full', counts: 'winner' },
  iptables: { rules: 'full', counts: 'winner' },
  'iptables-legacy': { rules: 'full', counts: 'winner' },
};

export interface EngineSetup {
  /** Rules as the engine holds them (nft rules, iptables rules, IR rules for XDP). */
  rules: number;
  /** What the engine is, in a few words (hook, layout). */
  detail: string;
}

export interface EngineCounts {
  dropped: bigint;
  /** Dropped by the last rule, the catch-all. */
  byLast: bigint;
  /** Packets the engine saw and did not drop (XDP: every other reason; others: not counted, 0). */
  passed: bigint;
  /** Drops per IR rule index, when the engine counts per rule (not nft-sets, not xdp-bare). */
  perRule?: bigint[];
}

/** Per IR rule: the counters of the engine's rules, each added to the IR rule it came from. */
function byOwner(n: number, each: bigint[], owner: number[]): bigint[] {
  if (each.length !== owner.length) throw new Error(`read ${each.length} rule counters, loaded ${owner.length} rules`);
  const out = new Array<bigint>(n).fill(0n);
  each.forEach((c, k) => { out[owner[k]] += c; });
  return out;
}

export interface Engine {
  setup(): EngineSetup;
  read(): EngineCounts;
  teardown(): void;
}

/** One program of live_gen.bpf.o on the receiving veth: gen_pass for the kernel-stack engines,
 *  gen_drop for xdp-bare. */
class GenProgram {
  readonly obj: BpfObject;
  readonly #ifindex: number;
  readonly #prog: string;
  constructor(ifname: string, prog: 'gen_pass' | 'gen_drop') {
    this.#ifindex = ifNameToIndex(ifname);
    this.#prog = prog;
    this.obj = BpfObject.open(GEN_OBJECT);
    try {
      for (const p of ['gen_redirect', 'gen_pass', 'gen_drop']) this.obj.setAutoload(p, p === prog);
      this.obj.load();
      xdpAttach(this.#ifindex, this.obj.program(prog), { mode: 'native', noReplace: true });
    } catch (e) {
      this.obj.close();
      throw e;
    }
  }
  close(): void {
    try {
      xdpDetach(this.#ifindex, { mode: 'native', expectedProgFd: this.obj.program(this.#prog) });
    } finally {
      this.obj.close();
    }
  }
}

class BareEngine implements Engine {
  #prog: GenProgram | undefined;
  constructor(private readonly ifname: string) {}
  setup(): EngineSetup {
    this.#prog = new GenProgram(this.ifname, 'gen_drop');
    return { rules: 0, detail: 'XDP program that counts and drops every frame (the path\'s ceiling)' };
  }
  read(): EngineCounts {
    const per = this.#prog!.obj.map('gen_drops').lookupPerCpu(Buffer.alloc(4)) ?? [];
    const dropped = per.reduce((n, b) => n + b.readBigUInt64LE(0), 0n);
    return { dropped, byLast: dropped, passed: 0n };
  }
  teardown(): void {
    this.#prog?.close();
    this.#prog = undefined;
  }
}

class XdpEngine implements Engine {
  #dp: Datapath | undefined;
  constructor(private readonly rules: Rule[], private readonly ifname: string, private readonly catchAllOnly: boolean) {}

  setup(): EngineSetup {
    const rules = this.catchAllOnly ? [{ ...this.rules[this.rules.length - 1], id: 0 }] : this.rules;
    const plan = planRuleset(rules);
    // Sized for the plan (the object's default maps hold about 5000 of these rules).
    this.#dp = Datapath.open({ classifier: capacityFor(plan) });
    applyRuleset(this.#dp, plan);
    this.#dp.attach(this.ifname, 'native');
    return { rules: rules.length, detail: 'fwctl XDP datapath, native mode, classifier' };
  }

  read(): EngineCounts {
    const dp = this.#dp!;
    let dropped = 0n;
    let passed = 0n;
    for (const [reason, c] of Object.entries(readReasonCounters(dp.reasonStats))) {
      if (reason === 'rule_drop' || reason === 'flow_drop') dropped += c.packets;
      else passed += c.packets;
    }
    const perRule = new Array<bigint>(this.rules.length).fill(0n);
    for (const c of readRuleCounters(dp)) perRule[this.catchAllOnly ? this.rules.length - 1 : c.ruleId] += c.packets;
    return { dropped, byLast: perRule[this.rules.length - 1], passed, perRule };
  }

  teardown(): void {
    const dp = this.#dp;
    if (!dp) return;
    this.#dp = undefined;
    try {
      if (dp.attachState(this.ifname).ours) dp.detach(this.ifname, 'native');
    } finally {
      dp.close();
    }
  }
}

class NftEngine implements Engine {
  #pass: GenProgram | undefined;
  #family = 'inet';
  #owner: number[] | null = null;
  constructor(private readonly rules: Rule[], private readonly ifname: string, private readonly kind: 'linear' | 'one' | 'sets' | 'ingress') {}

  setup(): EngineSetup {
    this.#pass = new GenProgram(this.ifname, 'gen_pass');
    const hook = this.kind === 'ingress' ? { kind: 'ingress' as const, device: this.ifname } : { kind: 'prerouting' as const };
    this.#family = this.kind === 'ingress' ? 'netdev' : 'inet';
    const rules = this.kind === 'one' ? this.rules.slice(-1) : this.rules;
    if (this.kind === 'sets') {
      const t = nftSets(rules, hook);
      run('nft', ['-f', '-'], { input: t.script });
      return { rules: t.nftRules, detail: `nftables inet prerouting (raw), ${t.elements} elements in ${t.sets} interval sets by rule shape` };
    }
    const t = nftLinear(rules, hook);
    this.#owner = this.kind === 'one' ? [this.rules.length - 1] : t.owner;
    run('nft', ['-f', '-'], { input: t.script });
    return { rules: t.nftRules, detail: this.kind === 'ingress' ? 'nftables netdev ingress, linear chain' : 'nftables inet prerouting (raw), linear chain' };
  }

  read(): EngineCounts {
    const c: ChainCounters = nftCounters(run('nft', ['-j', 'list', 'table', this.#family, NFT_TABLE]));
    return { dropped: c.total, byLast: c.last, passed: 0n, ...(this.#owner ? { perRule: byOwner(this.rules.length, c.each, this.#owner) } : {}) };
  }

  teardown(): void {
    try {
      if (this.#pass) run('nft', ['delete', 'table', this.#family, NFT_TABLE]);
    } finally {
      this.#pass?.close();
      this.#pass = undefined;
    }
  }
}

class IptablesEngine implements Engine {
  #pass: GenProgram | undefined;
  #owner: number[] = [];
  constructor(private readonly rules: Rule[], private readonly ifname: string, private readonly legacy: boolean) {}

  private get restore(): string {
    return this.legacy ? 'iptables-legacy-restore' : 'iptables-nft-restore';
  }

  setup(): EngineSetup {
    this.#pass = new GenProgram(this.ifname, 'gen_pass');
    const t = iptablesScript(this.rules);
    this.#owner = t.owner;
    run(this.restore, [], { input: t.script });
    return { rules: t.iptRules, detail: this.legacy ? 'iptables-legacy (x_tables) raw PREROUTING, linear' : 'iptables-nft raw PREROUTING, linear' };
  }

  read(): EngineCounts {
    const c = iptablesCounters(run(this.legacy ? 'iptables-legacy-save' : 'iptables-nft-save', ['-c', '-t', 'raw']));
    return { dropped: c.total, byLast: c.last, passed: 0n, perRule: byOwner(this.rules.length, c.each, this.#owner) };
  }

  teardown(): void {
    try {
      if (this.#pass) run(this.restore, [], { input: '*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n' });
    } finally {
      this.#pass?.close();
      this.#pass = undefined;
    }
  }
}

export function makeEngine(name: EngineName, rules: Rule[], ifname: string): Engine {
  switch (name) {
    case 'xdp-bare': return new BareEngine(ifname);
    case 'xdp': return new XdpEngine(rules, ifname, false);
    case 'xdp-1': return new XdpEngine(rules, ifname, true);
    case 'nft': return new NftEngine(rules, ifname, 'linear');
    case 'nft-1': return new NftEngine(rules, ifname, 'one');
    case 'nft-sets': return new NftEngine(rules, ifname, 'sets');
    case 'nft-ingress': return new NftEngine(rules, ifname, 'ingress');
    case 'iptables': return new IptablesEngine(rules, ifname, false);
    case 'iptables-legacy': return new IptablesEngine(rules, ifname, true);
  }
}
