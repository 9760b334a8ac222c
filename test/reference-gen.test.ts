// The generators of the differential tests, and properties of the reference evaluator over them:
//  - generated rule text compiles with no diagnostic, covers every header field kind, at any size;
//  - the compiler's resolved address and port sets equal plain set algebra over the text as
//    written (an independent check of negation, lists, ranges and variables);
//  - generated packets hit the rules (most match something, every decision band occurs);
//  - the evaluator's decision does not depend on rule order, `<>` is the union of both `->`
//    directions, a catch-all pass rule passes everything, and a dropped TCP flow stays dropped.
import test from 'ava';
import fc from 'fast-check';

import { compileRuleText, type Rule } from '../src/rules/index.ts';
import { addrInSet, decodeFrame, evaluate, headerMatches, portInSet, ReferenceEngine, flowKey, type Decision } from '../src/rules/reference/index.ts';
import { arbAimed, arbPacket, arbPacketSequence, buildFrame, describe } from './gen/packets.ts';
import { arbRuleset, compileRuleset, ruleText, sampleRuleset, type RuleSpec } from './gen/rules.ts';
import { addrProbes, GEN_VARS, inAddrSpec, inPortSpec, portProbes, type Family } from './gen/sets.ts';

const brief = (d: Decision) => ({ verdict: d.verdict, reason: d.reason, sigId: d.sigId, alerts: d.alerts, dpi: d.dpi, flags: d.flags });

test('generated rulesets compile with no diagnostic and nothing skipped', (t) => {
  let rules = 0;
  fc.assert(fc.property(arbRuleset({ maxRules: 80 }), (rs) => {
    rules += compileRuleset(rs).length;
  }), { numRuns: 100, seed: 1 });
  t.true(rules > 1000, `${rules} rules`);
});

test('a 3000-rule ruleset compiles, and the generator covers every header field kind', (t) => {
  const rs = sampleRuleset(3000, 42);
  const rules = compileRuleset(rs);
  t.is(rules.length, 3000);
  const text = rs.text;
  const want: Array<[string, RegExp]> = [
    ['ipv4 CIDR', /198\.1[89]\.\d+\.\d+\/\d+/], ['ipv6 CIDR', /2001:2:[0-9a-f:]+\/\d+/], ['address range', /\d-198\./],
    ['address list', / \[[^\]]*,/], ['negated address', / !\[?(198|2001)/], ['negated list item', /,!(198|2001)/], ['variable', /\$HOME_NET|\$EXTERNAL_NET/],
    ['port range', / \d+:\d+ /], ['open port range', / \d+: | :\d+ /], ['port list', / \[\d+[:\d]*,/], ['negated port', /[ ,]!\d+/], ['port variable', /\$HTTP_PORTS/],
    ['<>', / <> /], ['pass', /^pass /m], ['drop', /^drop /m], ['reject', /^reject /m], ['rejectboth', /^rejectboth /m], ['alert', /^alert /m],
    ['ip', /^\w+ ip /m], ['tcp', /^\w+ tcp /m], ['udp', /^\w+ udp /m], ['icmp', /^\w+ icmp /m], ['icmpv6', /^\w+ icmpv6 /m], ['ipv6', /^\w+ ipv6 /m],
    ['flags exact', /flags:[FSRPAUCE]+;/], ['flags +', /flags:(\+[A-Z]+|[A-Z]+\+)/], ['flags *', /flags:(\*[A-Z]|[A-Z]+\*)/], ['flags !', /flags:(![A-Z]|[A-Z]+!)/],
    ['flags mask', /flags:[^;]*,[A-Z]+;/], ['flags 0', /flags:[!+*]?0/], ['fragbits', /fragbits:[!+*]?[MDR]+;/],
    ['itype', /itype:/], ['icode range', /icode:!?\d+<>\d+/], ['ttl', /ttl:/], ['dsize <', /dsize:<\d/], ['dsize mask', /dsize:&/],
    ['ip_proto name', /ip_proto:[!<>]?[a-z]/], ['ip_proto twice', /ip_proto:[^;]+; ip_proto:/], ['sameip', /sameip;/], ['ipopts', /ipopts:\w+;/],
    ['icmp_id', /icmp_id:\d+;/], ['icmp_seq', /icmp_seq:\d+;/], ['content', /content:"/], ['priority', /priority:\d;/], ['noalert', /noalert;/],
  ];
  for (const [what, re] of want) t.regex(text, re, what);
  t.true(rules.some((r) => r.needsDpi) && rules.some((r) => !r.needsDpi));
});

/** The rule of spec s: addresses and ports agree with the text's set algebra on every probe. */
function setsAgree(s: RuleSpec, r: Rule): string | null {
  for (const fam of [4, 6] as Family[]) {
    for (const [side, spec, set] of [['src', s.src, r.src], ['dst', s.dst, r.dst]] as const) {
      for (const a of addrProbes(spec, fam)) {
        if (addrInSet(set, fam, a) !== inAddrSpec(spec, fam, a)) return `${side} address ${a.toString(16)} (IPv${fam})`;
      }
    }
  }
  for (const [side, spec, set] of [['src', s.sp, r.srcPorts], ['dst', s.dp, r.dstPorts]] as const) {
    for (const p of portProbes(spec)) if (portInSet(set, p) !== inPortSpec(spec, p)) return `${side} port ${p}`;
  }
  return null;
}

test('resolved address and port sets equal the set algebra of the rule text', (t) => {
  let probes = 0;
  fc.assert(fc.property(arbRuleset({ maxRules: 40 }), (rs) => {
    const rules = compileRuleset(rs);
    rs.specs.forEach((s, i) => {
      const bad = setsAgree(s, rules[i]);
      probes++;
      if (bad) throw new Error(`${ruleText(s, rs.firstSid + i)}\n  disagrees on ${bad}`);
    });
  }), { numRuns: 150, seed: 2 });
  t.true(probes > 2000);
});

test('generated packets hit the rules they aim at (far more often than unaimed ones), every decision occurs', (t) => {
  const reasons = new Map<string, number>();
  let aimedHits = 0;
  let aimedTotal = 0;
  let randomHits = 0;
  let randomTotal = 0;
  for (const seed of [1, 2, 3]) {
    const rules = compileRuleset(sampleRuleset(40, seed));
    const randoms = fc.sample(arbPacket(rules, { aimed: 0 }), { numRuns: 200, seed }).map((p) => decodeFrame(p.frame));
    for (const r of rules) {
      for (const spec of fc.sample(arbAimed(r), { numRuns: 10, seed })) {
        const pkt = decodeFrame(buildFrame(spec));
        aimedTotal++;
        if (headerMatches(r, pkt)) aimedHits++;
      }
      for (const pkt of randoms) {
        randomTotal++;
        if (headerMatches(r, pkt)) randomHits++;
      }
    }
    for (const p of fc.sample(arbPacket(rules), { numRuns: 300, seed })) {
      const d = evaluate(rules, decodeFrame(p.frame));
      reasons.set(d.reason, (reasons.get(d.reason) ?? 0) + 1);
    }
  }
  const aimed = aimedHits / aimedTotal;
  const random = randomHits / randomTotal;
  t.log(`aimed packets hit their rule ${(aimed * 100).toFixed(1)}%, unaimed ones ${(random * 100).toFixed(1)}%`);
  t.true(aimed > 0.4, `an aimed packet hits its rule ${(aimed * 100).toFixed(1)}% of the time`);
  t.true(aimed > 5 * random, `aimed ${(aimed * 100).toFixed(1)}%, random ${(random * 100).toFixed(1)}%`);
  for (const r of ['rule_pass', 'rule_drop', 'rule_reject', 'rule_alert', 'rule_flag', 'pass_default', 'fragment', 'non_ip', 'vlan_depth']) {
    t.true((reasons.get(r) ?? 0) > 0, `${r}: ${JSON.stringify([...reasons])}`);
  }
});

test('property: the decision does not depend on the order of the rules', (t) => {
  let runs = 0;
  fc.assert(fc.property(arbRuleset({ maxRules: 60 }).chain((rs) => {
    const rules = compileRuleset(rs);
    return fc.tuple(fc.constant(rules), fc.shuffledSubarray(rules, { minLength: rules.length }), fc.array(arbPacket(rules), { minLength: 1, maxLength: 10 }));
  }), ([rules, shuffled, packets]) => {
    for (const p of packets) {
      const pkt = decodeFrame(p.frame);
      const a = brief(evaluate(rules, pkt));
      const b = brief(evaluate(shuffled, pkt));
      runs++;
      if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${describe(p.spec)}\n${JSON.stringify(a)}\n${JSON.stringify(b)}`);
    }
  }), { numRuns: 100, seed: 3 });
  t.true(runs > 100);
});

test('property: a <> rule matches exactly what its two -> directions match', (t) => {
  let checked = 0;
  fc.assert(fc.property(arbRuleset({ maxRules: 30 }).chain((rs) => {
    const bidir = rs.specs.map((s, i) => ({ s, i })).filter(({ s }) => s.dir === '<>');
    const text = bidir.map(({ s, i }) => [
      ruleText({ ...s, dir: '->' }, 3 * i + 1),
      ruleText({ ...s, dir: '->', src: s.dst, dst: s.src, sp: s.dp, dp: s.sp }, 3 * i + 2),
      ruleText(s, 3 * i + 3),
    ].join('\n')).join('\n');
    const rules = compileRuleText([{ file: 'bidir.rules', text }], { vars: GEN_VARS }).rules;
    return fc.tuple(fc.constant(rules), fc.array(arbPacket(rules), { maxLength: 20 }));
  }), ([rules, packets]) => {
    for (let i = 0; i + 2 < rules.length; i += 3) {
      for (const p of packets) {
        const pkt = decodeFrame(p.frame);
        const either = headerMatches(rules[i], pkt) || headerMatches(rules[i + 1], pkt);
        checked++;
        if (headerMatches(rules[i + 2], pkt) !== either) throw new Error(`${rules[i + 2].source.text}\n${describe(p.spec)}`);
      }
    }
  }), { numRuns: 150, seed: 4 });
  t.true(checked > 500, `${checked} checks`);
});

test('property: a catch-all pass rule (priority 1) passes every IP packet silently', (t) => {
  let ip = 0;
  fc.assert(fc.property(arbRuleset({ maxRules: 40 }).chain((rs) => {
    const text = `${rs.text}\npass ip any any -> any any (priority:1; sid:1;)`;
    const res = compileRuleText([{ file: 'p.rules', text }], { vars: GEN_VARS });
    return fc.tuple(fc.constant(res.rules), fc.array(arbPacket(res.rules), { maxLength: 10 }));
  }), ([rules, packets]) => {
    for (const p of packets) {
      const pkt = decodeFrame(p.frame);
      const d = evaluate(rules, pkt);
      if (pkt.reason !== 'pass_default') continue;
      ip++;
      if (d.reason !== 'rule_pass' || d.sigId !== 1 || d.alerts.length || d.dpi) throw new Error(`${describe(p.spec)}: ${JSON.stringify(brief(d))}`);
    }
  }), { numRuns: 60, seed: 5 });
  t.true(ip > 100);
});

test('property: once a TCP flow is dropped (passed), every later packet of it is flow_drop (rule_pass, same sid); other packets are decided as without state', (t) => {
  let flowDrops = 0;
  let flowPasses = 0;
  fc.assert(fc.property(arbRuleset({ maxRules: 40 }).chain((rs) => {
    const rules = compileRuleset(rs);
    return fc.tuple(fc.constant(rules), arbPacketSequence(rules, { maxLength: 40 }));
  }), ([rules, seq]) => {
    const eng = new ReferenceEngine(rules);
    const stored = new Map<string, { v: 'drop' | 'pass'; sid: number }>();
    seq.forEach((p, i) => {
      const pkt = decodeFrame(p.frame);
      const d = eng.run(p.frame, BigInt(i));
      const fk = pkt.reason === 'pass_default' && pkt.hasL4 && pkt.l4Proto === 6 ? flowKey(pkt) : null;
      const key = fk?.key;
      const stateless = evaluate(rules, pkt);
      const s = key ? stored.get(key) : undefined;
      if (s?.v === 'drop') {
        flowDrops++;
        if (d.reason !== 'flow_drop' || d.verdict !== 'drop' || d.sigId !== s.sid || d.alerts.length) throw new Error(`${describe(p.spec)}: ${JSON.stringify(brief(d))}`);
        return;
      }
      const passed = d.reason === 'rule_pass' && d.sigId === s?.sid && !d.alerts.length;
      if (s?.v === 'pass' && (pkt.tcpFlags & 0x16) !== 0x02) {
        flowPasses++;
        if (!passed) throw new Error(`${describe(p.spec)}: ${JSON.stringify(brief(d))}`);
        return;
      }
      // a SYN on a passed flow either stays passed or, reusing a finished flow, is decided afresh
      if (!(s?.v === 'pass' && passed) && JSON.stringify(brief(d)) !== JSON.stringify(brief(stateless))) {
        throw new Error(`${describe(p.spec)}: ${JSON.stringify(brief(d))} vs ${JSON.stringify(brief(stateless))}`);
      }
      if (s?.v === 'pass' && passed) return;
      if (key && (d.verdict === 'drop' || d.verdict === 'reject')) stored.set(key, { v: 'drop', sid: d.sigId });
      else if (key && d.reason === 'rule_pass') stored.set(key, { v: 'pass', sid: d.sigId });
      else if (key) stored.delete(key); // a SYN reusing a finished passed flow starts afresh
    });
  }), { numRuns: 150, seed: 6 });
  t.true(flowDrops > 20, `${flowDrops} flow drops seen`);
  t.true(flowPasses > 5, `${flowPasses} flow passes seen`);
});
