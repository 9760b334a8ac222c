// What a probe should do under a ruleset: the other half of the seam in policy.ts. The address sets
// are asked first (as in XDP), then the reference evaluator (src/rules/reference) decides the
// probe's first packet (a TCP SYN, a UDP datagram, an ICMP echo request) against the rules.
// Used by test/lab-rules.test.ts today to hold rules/demo.rules to what its comments say; used by
// loadLabPolicy as `expect` once the datapath can load rules.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { ether } from '../packets/index.ts';
import { compileRuleText, type Rule } from '../rules/index.ts';
import { decodeFrame, evaluate } from '../rules/reference/index.ts';
import type { LabPlan } from './plan.ts';
import { addrsetExpect, type Expectation } from './policy.ts';
import type { Probe } from './probes.ts';

export const DEMO_RULES = fileURLToPath(new URL('../../rules/demo.rules', import.meta.url));

/** Compiles a rule file; throws with the first error diagnostic. */
export function compileRulesFile(path: string = DEMO_RULES): Rule[] {
  const r = compileRuleText([{ file: path, text: readFileSync(path, 'utf8') }]);
  const bad = r.diagnostics.find((d) => d.severity === 'error');
  if (bad) throw new Error(`${bad.file}:${bad.line}:${bad.col}: ${bad.code}: ${bad.message}`);
  return r.rules;
}

/** The first frame the client sends for a probe (source port 40000 for TCP and UDP). */
export function firstPacket(p: Probe): Buffer {
  const eth = ether({});
  const ip = p.family === 4 ? eth.ipv4({ src: p.src, dst: p.dst }) : eth.ipv6({ src: p.src, dst: p.dst });
  if (p.proto === 'tcp') return ip.tcp({ sport: 40000, dport: p.port as number, flags: 'S' }).build();
  if (p.proto === 'udp') return ip.udp({ sport: 40000, dport: p.port as number }).payload(`probe ${p.token}`).build();
  return p.family === 4 ? ip.icmp({ type: 'echo-request' }).build() : ip.icmpv6({ type: 'echo-request' }).build();
}

export function rulesExpect(plan: LabPlan, rules: readonly Rule[], probe: Probe): Expectation {
  const sets = addrsetExpect(plan, probe);
  if (sets.outcome !== 'delivered') return sets;
  const d = evaluate(rules, decodeFrame(firstPacket(probe)));
  const by = d.sigId ? `sid ${d.sigId}` : 'no rule matched';
  const alerts = d.alerts.length ? `, alerts ${d.alerts.join(' ')}` : '';
  if (d.verdict === 'drop') return { outcome: 'dropped', reason: 'rule_drop', why: `dropped by ${by}${alerts}` };
  if (d.verdict === 'reject') return { outcome: 'refused', reason: 'rule_reject', why: `rejected by ${by}${alerts}` };
  return { outcome: 'delivered', reason: d.reason as Expectation['reason'], why: `passed (${by}${alerts})` };
}
