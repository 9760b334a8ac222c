// What the lab loads into the gateway's instance, and what it therefore expects each probe to do.
//
// ─── THE SEAM: "load rules/demo.rules into the instance" ─────────────────────────────────────────
// loadLabPolicy(instance, plan) is the one place the lab's policy is applied: the address sets (the
// forbidden subnet in the deny list, the scanner in the dynamic block list, written through
// src/addrset exactly as `fwctl set load` / `fwctl block add` do) and rules/demo.rules, compiled
// (src/rules), planned (src/rules/plan) and applied to the same instance as one classifier
// generation (src/datapath applyRuleset), as `fwctl load` does minus its state directory (the lab
// removes its pins, and with them the ruleset, when it ends). `expect` asks the address sets first,
// then the reference evaluator (src/rules/reference) about each probe's first packet
// (expect-rules.ts rulesExpect).
// ─────────────────────────────────────────────────────────────────────────────────────────────────
import {
  blockAdd, blockList, monotonicNowNs, openInstance, parsePrefix, prefixListOf, type Prefix, setCount, setReplace,
} from '../addrset/index.ts';
import type { ReasonName } from '../abi/index.ts';
import { applyRuleset } from '../datapath/index.ts';
import { planRuleset } from '../rules/plan/index.ts';
import { compileRulesFile, DEMO_RULES, rulesExpect } from './expect-rules.ts';
import type { LabPlan } from './plan.ts';
import type { Probe } from './probes.ts';

/** What a probe should observe: delivered (answered), dropped (no answer: times out), refused (a
 *  reject's RST or ICMP unreachable), and the gateway reason that should count its packets. */
export type ExpectedOutcome = 'delivered' | 'dropped' | 'refused';

export interface Expectation {
  outcome: ExpectedOutcome;
  reason: ReasonName;
  /** Why, in words, e.g. "198.18.3.2 is in the deny list (198.18.3.0/24)". */
  why: string;
}

export interface AppliedPolicy {
  name: string;
  /** What was loaded, one line each, for the report. */
  summary: string[];
  expect(probe: Probe): Expectation;
}

/** THE SEAM (see the top of this file): applies the lab's policy to a pinned instance. */
export function loadLabPolicy(instance: string, plan: LabPlan): AppliedPolicy {
  const rules = compileRulesFile(DEMO_RULES);
  const classifier = planRuleset(rules);
  const dp = openInstance(instance);
  let gen;
  try {
    setReplace(dp, 'deny', prefixListOf(plan.sets.deny.prefixes));
    for (const p of plan.sets.block.prefixes) {
      blockAdd(dp, p, { ttlMs: plan.sets.block.ttlMs, reason: plan.sets.block.why, source: 'manual' });
    }
    gen = applyRuleset(dp, classifier, { tag: 1 });
  } finally {
    dp.close();
  }
  return {
    name: 'address sets + rules/demo.rules',
    summary: [
      `deny list: ${plan.sets.deny.prefixes.join(', ')} (${plan.sets.deny.why})`,
      `dynamic block: ${plan.sets.block.prefixes.join(', ')} for ${plan.sets.block.ttlMs / 60_000}m (${plan.sets.block.why})`,
      `rules/demo.rules: ${gen.ruleCount} rules in classifier generation ${gen.index} (address sets are asked first)`,
    ],
    expect: (probe) => rulesExpect(plan, rules, probe),
  };
}

function within(prefix: Prefix, addr: Prefix): boolean {
  if (prefix.family !== addr.family) return false;
  const full = prefix.len >> 3;
  if (!prefix.addr.subarray(0, full).equals(addr.addr.subarray(0, full))) return false;
  const bits = prefix.len & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return (prefix.addr[full] & mask) === (addr.addr[full] & mask);
}

function firstHit(prefixes: readonly string[], addrs: readonly string[]): { prefix: string; addr: string } | null {
  for (const prefix of prefixes) {
    for (const addr of addrs) if (within(parsePrefix(prefix), parsePrefix(addr))) return { prefix, addr };
  }
  return null;
}

/** The address sets' semantics (bpf/README.md "Address sets"), stated plainly: a packet whose
 *  source or destination is in the deny list is dropped (deny_list), else in the block list
 *  (dyn_block), else it reaches the classifier, which passes it today (pass_default). The lab has
 *  no allow list. */
export function addrsetExpect(plan: LabPlan, probe: Probe): Expectation {
  const addrs = [probe.src, probe.dst];
  const deny = firstHit(plan.sets.deny.prefixes, addrs);
  if (deny) return { outcome: 'dropped', reason: 'deny_list', why: `${deny.addr} is in the deny list (${deny.prefix})` };
  const block = firstHit(plan.sets.block.prefixes, addrs);
  if (block) return { outcome: 'dropped', reason: 'dyn_block', why: `${block.addr} is blocked (${block.prefix})` };
  return { outcome: 'delivered', reason: 'pass_default', why: 'in no set; no rule decides yet' };
}

export interface SetHits {
  deny: { v4: number; v6: number };
  block: Array<{ prefix: string; hits: number; reason: string; remainingMs: number | null }>;
}

/** The sets as the instance's maps hold them now: deny-list sizes and each block entry's hits. */
export function readSetHits(instance: string): SetHits {
  const dp = openInstance(instance);
  try {
    const now = monotonicNowNs();
    const deny = setCount(dp, 'deny');
    return {
      deny: { v4: deny.v4, v6: deny.v6 },
      block: blockList(dp, { nowNs: now, gc: false }).map((e) => ({
        prefix: e.prefix,
        hits: Number(e.hits),
        reason: e.reason,
        remainingMs: e.expiresNs === null ? null : Math.round(Number(e.expiresNs - now) / 1e6),
      })),
    };
  } finally {
    dp.close();
  }
}
