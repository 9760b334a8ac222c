// Lockout protection (src/control/lockout.ts, mgmt.ts): the management access as parsed from
// --mgmt/--mgmt-to, and rulesets that would drop or reject a TCP SYN to it, found by the reference
// evaluator over source regions — named by the offending rule — and rulesets that would not.
import fc from 'fast-check';
import test from 'ava';

import { checkLockout } from '../src/control/lockout.ts';
import { describeMgmt, mergeMgmt, parseMgmtSpec, parseMgmtTo } from '../src/control/mgmt.ts';
import { DEFAULT_MGMT, type Mgmt } from '../src/control/state.ts';
import { ControlError } from '../src/control/errors.ts';
import { compileRulesFile, DEMO_RULES } from '../src/lab/expect-rules.ts';
import { bigToAddr } from '../src/control/net.ts';
import { ether } from '../src/packets/index.ts';
import { compileRuleText, type Rule } from '../src/rules/index.ts';
import { decodeFrame, evaluate } from '../src/rules/reference/index.ts';
import { arbRuleset, compileRuleset } from './gen/rules.ts';
import { HOT_HOSTS } from './gen/sets.ts';

function rules(text: string): Rule[] {
  const r = compileRuleText([{ file: 't.rules', text }]);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(errors.map((d) => d.message).join('; '));
  return r.rules;
}

const BOX = ['198.18.1.1', '2001:2:0:1::1'];

test('parseMgmtSpec: addresses, prefixes, ports, IPv6 in brackets, any', (t) => {
  t.deepEqual(parseMgmtSpec('198.18.0.10:22'), { from: ['198.18.0.10/32'], port: 22 });
  t.deepEqual(parseMgmtSpec('198.18.0.10'), { from: ['198.18.0.10/32'], port: 22 });
  t.deepEqual(parseMgmtSpec('198.18.0.0/24:2222'), { from: ['198.18.0.0/24'], port: 2222 });
  t.deepEqual(parseMgmtSpec('[2001:2::10]:830'), { from: ['2001:2::10/128'], port: 830 });
  t.deepEqual(parseMgmtSpec('2001:2::/64'), { from: ['2001:2::/64'], port: 22 });
  t.deepEqual(parseMgmtSpec('any:2222'), { from: ['0.0.0.0/0', '::/0'], port: 2222 });
  t.deepEqual(parseMgmtSpec('any'), { from: ['0.0.0.0/0', '::/0'], port: 22 });
  for (const bad of ['198.18.0.10:0', '198.18.0.10:70000', '198.18.0.1/24', 'host:22', '[2001:2::1', '[2001:2::1]22', '300.1.1.1']) {
    const e = t.throws(() => parseMgmtSpec(bad), { instanceOf: ControlError }, bad);
    t.is(e?.code, 'E_MGMT_SPEC');
    t.is(e?.exit, 'invalid');
  }
  t.deepEqual(parseMgmtTo(['198.18.1.1,2001:2:0:1::1']), ['198.18.1.1', '2001:2:0:1::1']);
  t.throws(() => parseMgmtTo(['198.18.1.0/24']), { message: /not a prefix/ });
});

test('mergeMgmt: given values replace the stored ones, the rest is kept; describeMgmt', (t) => {
  const stored: Mgmt = { from: ['198.18.0.10/32'], port: 2222, to: ['198.18.1.1'] };
  t.deepEqual(mergeMgmt(undefined, undefined, undefined), DEFAULT_MGMT);
  t.deepEqual(mergeMgmt(stored, undefined, []), stored);
  t.deepEqual(mergeMgmt(stored, '198.18.0.20', undefined), { from: ['198.18.0.20/32'], port: 22, to: ['198.18.1.1'] });
  t.deepEqual(mergeMgmt(stored, undefined, ['198.18.2.1']), { ...stored, to: ['198.18.2.1'] });
  t.is(describeMgmt(DEFAULT_MGMT), "TCP port 22 from anywhere to the box's interface addresses");
  t.is(describeMgmt(stored), 'TCP port 2222 from 198.18.0.10/32 to 198.18.1.1');
});

test('a drop of SSH from anywhere is refused, naming the rule, the file:line and a SYN that shows it', (t) => {
  const rs = rules('alert icmp any any -> any any (sid:1;)\ndrop tcp any any -> any 22 (msg:"no ssh"; sid:7; rev:2;)\n');
  const r = checkLockout(rs, DEFAULT_MGMT, BOX);
  t.truthy(r.violation);
  t.like(r.violation, { sid: 7, action: 'drop', verdict: 'drop', file: 't.rules', line: 2, msg: 'no ssh' });
  t.is(r.violation?.packet.dport, 22);
  t.is(r.violation?.packet.dst, '198.18.1.1');
  t.regex(r.violation?.message ?? '', /^sid 7 \(drop, t\.rules:2, "no ssh"\) would drop the management access: a TCP SYN from 0\.0\.0\.0\/0 port 1024-65535 to 198\.18\.1\.1 port 22$/);
});

test('reject counts as a lockout; a port the access does not use does not', (t) => {
  t.like(checkLockout(rules('reject tcp any any -> any [20:30] (sid:3;)'), DEFAULT_MGMT, BOX).violation, { sid: 3, verdict: 'reject' });
  const r = checkLockout(rules('drop tcp any any -> any 23 (sid:3;)\ndrop udp any any -> any 22 (sid:4;)'), DEFAULT_MGMT, BOX);
  t.is(r.violation, null);
  t.deepEqual(r.families, [4, 6]);
});

test('a pass rule for the management source rescues it; other sources still lock out the default "anywhere"', (t) => {
  const rs = rules('pass tcp 198.18.0.0/24 any -> any 22 (sid:1;)\ndrop tcp any any -> any any (sid:2;)');
  t.is(checkLockout(rs, { from: ['198.18.0.10/32'], port: 22, to: [] }, BOX).violation, null);
  const anywhere = checkLockout(rs, DEFAULT_MGMT, BOX).violation;
  t.like(anywhere, { sid: 2 });
  // The first region that is not rescued: everything below 198.18.0.0.
  t.is(anywhere?.sources, '0.0.0.0 - 198.17.255.255');
});

test('a subnet drop refuses "anywhere" but not a management source outside it', (t) => {
  const rs = rules('drop ip 198.18.3.0/24 any -> any any (msg:"forbidden"; sid:9;)');
  const v = checkLockout(rs, DEFAULT_MGMT, BOX).violation;
  t.like(v, { sid: 9, sources: '198.18.3.0/24' });
  t.is(v?.packet.src, '198.18.3.0');
  t.is(checkLockout(rs, { from: ['198.18.1.2/32'], port: 22, to: [] }, BOX).violation, null);
  t.like(checkLockout(rs, { from: ['198.18.3.7/32'], port: 22, to: [] }, BOX).violation, { sid: 9, sources: '198.18.3.7' });
});

test('IPv6 is checked as configured; an IPv4-only access ignores IPv6 rules', (t) => {
  const rs = rules('drop tcp 2001:2:0:9::/64 any -> any 22 (sid:6;)');
  t.like(checkLockout(rs, DEFAULT_MGMT, BOX).violation, { sid: 6, sources: '2001:2:0:9::/64', packet: { family: 6, dst: '2001:2:0:1::1' } });
  const v4only = checkLockout(rs, { from: ['0.0.0.0/0'], port: 22, to: [] }, BOX);
  t.is(v4only.violation, null);
  t.deepEqual(v4only.families, [4]);
});

test('source ports: a rule on low source ports does not lock out an SSH client, one on ephemeral ports does', (t) => {
  t.is(checkLockout(rules('drop tcp any 0:1023 -> any 22 (sid:1;)'), DEFAULT_MGMT, BOX).violation, null);
  t.like(checkLockout(rules('drop tcp any 40000:50000 -> any 22 (sid:2;)'), DEFAULT_MGMT, BOX).violation, { sid: 2, sourcePorts: '40000-50000' });
});

test('<> rules are tried both ways; flow:established cannot match a SYN, flow:to_server can', (t) => {
  t.like(checkLockout(rules('drop tcp 198.18.1.1 22 <> any any (sid:5;)'), DEFAULT_MGMT, BOX).violation, { sid: 5 });
  t.is(checkLockout(rules('drop tcp any any -> any 22 (flow:established,to_server; sid:1;)'), DEFAULT_MGMT, BOX).violation, null);
  t.like(checkLockout(rules('drop tcp any any -> any 22 (flow:to_server; sid:2;)'), DEFAULT_MGMT, BOX).violation, { sid: 2 });
  // flags:S matches a SYN; flags:A does not.
  t.like(checkLockout(rules('drop tcp any any -> any 22 (flags:S; sid:3;)'), DEFAULT_MGMT, BOX).violation, { sid: 3 });
  t.is(checkLockout(rules('drop tcp any any -> any 22 (flags:A; sid:4;)'), DEFAULT_MGMT, BOX).violation, null);
});

test('destinations: --mgmt-to narrows them; without known addresses every destination region is tried', (t) => {
  const rs = rules('drop tcp any any -> 198.18.2.1 22 (sid:1;)');
  t.like(checkLockout(rs, DEFAULT_MGMT, ['198.18.1.1', '198.18.2.1']).violation, { sid: 1 });
  t.is(checkLockout(rs, { ...DEFAULT_MGMT, to: ['198.18.1.1'] }, ['198.18.2.1']).violation, null);
  const unknown = checkLockout(rs, DEFAULT_MGMT, []);
  t.like(unknown.violation, { sid: 1, packet: { dst: '198.18.2.1' } });
  t.deepEqual(unknown.destinations, ['any IPv4'], 'the IPv4 refusal ends the check');
});

test('rules/demo.rules: refused for "anywhere" (the forbidden subnet), accepted for the lab client to the gateway', (t) => {
  const demo = compileRulesFile(DEMO_RULES);
  t.like(checkLockout(demo, DEFAULT_MGMT, BOX).violation, { verdict: 'drop' });
  const lab: Mgmt = { from: ['198.18.1.2/32', '2001:2:0:1::2/128'], port: 22, to: ['198.18.1.1', '2001:2:0:1::1'] };
  const r = checkLockout(demo, lab, []);
  t.is(r.violation, null);
  t.true(r.checked >= 2);
});

test('a large address list is handled by regions, not address by address', (t) => {
  const list = Array.from({ length: 2000 }, (_, i) => `198.${18 + (i >> 7)}.${(i & 127) * 2}.0/24`).join(',');
  const rs = rules(`drop ip [${list}] any -> any any (sid:1;)\npass tcp 198.18.0.0/16 any -> any 22 (sid:2;)\n`);
  const r = checkLockout(rs, DEFAULT_MGMT, BOX);
  t.like(r.violation, { sid: 1, sources: '198.19.0.0/24' });
  // regions, not addresses: a handful of (destination, source-port region) pairs, not 2000 x 256
  // addresses (a count, not a time: speed belongs in benchmarks)
  t.true(r.checked < 100, `${r.checked} pairs checked`);
});

test('the range arithmetic agrees with SYNs tried one by one on random rulesets (every source of a /28, every port boundary)', (t) => {
  let refused = 0;
  let runs = 0;
  fc.assert(
    fc.property(arbRuleset({ maxRules: 25, dpiFraction: 0 }), fc.constantFrom(...HOT_HOSTS[4]), fc.constantFrom(...HOT_HOSTS[4]), fc.constantFrom(22, 23, 80, 443, 8080),
      (rs, fromHost, box, port) => {
        const all = compileRuleset(rs);
        const base = fromHost & ~0xfn;
        const from = `${bigToAddr(base, 4)}/28`;
        const boxText = bigToAddr(box, 4);
        const mine = checkLockout(all, { from: [from], port, to: [boxText] }, []);
        // One by one: each source of the /28, each source port where some rule's port set begins or ends.
        const ports = new Set<number>([1024, 65535]);
        for (const r of all) for (const set of [r.srcPorts, r.dstPorts]) for (const [lo, hi] of set.ranges) for (const p of [lo - 1, lo, hi, hi + 1]) if (p >= 1024 && p <= 65535) ports.add(p);
        let brute = false;
        for (let i = 0n; i < 16n && !brute; i++) {
          for (const sp of ports) {
            const frame = ether({}).ipv4({ src: bigToAddr(base + i, 4), dst: boxText, ttl: 64 }).tcp({ sport: sp, dport: port, flags: 'S' }).build();
            const d = evaluate(all, decodeFrame(frame));
            if (d.verdict === 'drop' || d.verdict === 'reject') {
              brute = true;
              break;
            }
          }
        }
        runs++;
        if (brute) refused++;
        return (mine.violation !== null) === brute;
      }),
    { numRuns: 300, seed: 77 },
  );
  t.true(refused >= 15 && refused < runs - 100, `${refused} of ${runs} refused`);
});
