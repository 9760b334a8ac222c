// rules/demo.rules, held to what its comments say: it compiles clean (`fwctl check`), and the
// reference evaluator decides each of the lab's probes (its first packet) as intended — web and
// DNS passed by a pass rule, telnet dropped, RDP rejected, ICMP echo passed with an alert, the
// forbidden subnet dropped both ways. These are the lab's expectations once the rules are loaded.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import test from 'ava';

import { labPlan, probesOf } from '../src/lab/index.ts';
import { compileRulesFile, DEMO_RULES, firstPacket, rulesExpect } from '../src/lab/expect-rules.ts';
import { ether } from '../src/packets/index.ts';
import { decodeFrame, evaluate } from '../src/rules/reference/index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const plan = labPlan('fwl1');
const rules = compileRulesFile(DEMO_RULES);

test('fwctl check rules/demo.rules: every rule loads, no diagnostics', (t) => {
  const out = JSON.parse(execFileSync(process.execPath, ['bin/fwctl.mjs', 'check', 'rules/demo.rules', '-o', 'json'], { cwd: ROOT, encoding: 'utf8' }));
  t.like(out, { rules: 12, loaded: 12, skipped: 0, invalid: 0, errors: 0, warnings: 0 });
});

test('the reference evaluator decides each probe as the ruleset says (rules alone, no address sets)', (t) => {
  const got = probesOf(plan).map((p) => {
    const d = evaluate(rules, decodeFrame(firstPacket(p)));
    return `${p.name}/${p.family}: ${d.verdict} ${d.reason} ${d.sigId} [${d.alerts.join(' ')}]`;
  });
  t.deepEqual(got, [
    'web/4: pass rule_pass 1000001 []', 'web/6: pass rule_pass 1000002 []',
    'dns/4: pass rule_pass 1000003 []', 'dns/6: pass rule_pass 1000004 []',
    'ping/4: pass rule_alert 1000040 [1000040]', 'ping/6: pass rule_alert 1000041 [1000041]',
    'telnet/4: drop rule_drop 1000010 [1000010]', 'telnet/6: drop rule_drop 1000010 [1000010]',
    'rdp/4: reject rule_reject 1000030 [1000030]', 'rdp/6: reject rule_reject 1000030 [1000030]',
    'web, forbidden subnet/4: drop rule_drop 1000020 [1000020]', 'web, forbidden subnet/6: drop rule_drop 1000021 [1000021]',
    // A drop beats an alert, and both alert.
    'ping, forbidden subnet/4: drop rule_drop 1000020 [1000020 1000040]', 'ping, forbidden subnet/6: drop rule_drop 1000021 [1000021 1000041]',
    // The scanner is a client: the rules pass it; the dynamic block (asked first) is what stops it.
    'web from scanner/4: pass rule_pass 1000001 []', 'web from scanner/6: pass rule_pass 1000002 []',
    'dns from scanner/4: pass rule_pass 1000003 []', 'dns from scanner/6: pass rule_pass 1000004 []',
  ]);
});

test('traffic from the forbidden subnet is dropped too, and answers to allowed traffic pass', (t) => {
  const from4 = ether({}).ipv4({ src: '198.18.3.2', dst: '198.18.1.2' }).udp({ sport: 53, dport: 40000 }).build();
  const from6 = ether({}).ipv6({ src: '2001:2:0:3::2', dst: '2001:2:0:1::2' }).tcp({ sport: 80, dport: 40000, flags: 'SA' }).build();
  t.like(evaluate(rules, decodeFrame(from4)), { verdict: 'drop', sigId: 1000022 });
  t.like(evaluate(rules, decodeFrame(from6)), { verdict: 'drop', sigId: 1000023 });
  const answer = ether({}).ipv4({ src: '198.18.2.2', dst: '198.18.1.2' }).tcp({ sport: 80, dport: 40000, flags: 'SA' }).build();
  t.like(evaluate(rules, decodeFrame(answer)), { verdict: 'pass', reason: 'pass_default', sigId: 0, alerts: [] });
});

test('rulesExpect: the address sets first, then the rules (what the lab will expect)', (t) => {
  const got = probesOf(plan).map((p) => {
    const e = rulesExpect(plan, rules, p);
    return `${p.name}/${p.family}: ${e.outcome} ${e.reason}`;
  });
  t.deepEqual(got, [
    'web/4: delivered rule_pass', 'web/6: delivered rule_pass',
    'dns/4: delivered rule_pass', 'dns/6: delivered rule_pass',
    'ping/4: delivered rule_alert', 'ping/6: delivered rule_alert',
    'telnet/4: dropped rule_drop', 'telnet/6: dropped rule_drop',
    'rdp/4: refused rule_reject', 'rdp/6: refused rule_reject',
    'web, forbidden subnet/4: dropped deny_list', 'web, forbidden subnet/6: dropped deny_list',
    'ping, forbidden subnet/4: dropped deny_list', 'ping, forbidden subnet/6: dropped deny_list',
    'web from scanner/4: dropped dyn_block', 'web from scanner/6: dropped dyn_block',
    'dns from scanner/4: dropped dyn_block', 'dns from scanner/6: dropped dyn_block',
  ]);
});
