// The pure half of `fwctl trace`: packet descriptions parsed and built into frames (checked through
// the reference decoder), and the field-by-field explanation of a rule against a packet, which must
// agree with the reference evaluator's headerMatches on random rules and packets.
import fc from 'fast-check';
import test from 'ava';

import { ControlError } from '../src/control/errors.ts';
import { explainRule } from '../src/control/explain.ts';
import { buildPacket, formatPacketSpec, parsePacketSpec } from '../src/control/packet-spec.ts';
import { compileRuleText, type Rule } from '../src/rules/index.ts';
import { decodeFrame, headerMatches } from '../src/rules/reference/index.ts';
import { arbPacket } from './gen/packets.ts';
import { arbRuleset, compileRuleset } from './gen/rules.ts';

const parse = (line: string) => parsePacketSpec(line.split(' '));

test('packet descriptions: TCP, UDP, ICMP, ICMPv6, ip, VLAN, TTL and payload reach the decoder as written', (t) => {
  const tcp = decodeFrame(buildPacket(parse('tcp 198.18.1.2:1234 -> 198.18.2.2:80 flags SA ttl 3 len 10')));
  t.like(tcp, { family: 4, srcText: '198.18.1.2', dstText: '198.18.2.2', l4Proto: 6, sport: 1234, dport: 80, tcpFlags: 0x12, ttl: 3, dsize: 10 });
  const udp6 = decodeFrame(buildPacket(parse('udp [2001:2:0:1::2]:5353 -> [2001:2:0:2::2]:53 vlan 10 vlan 20')));
  t.like(udp6, { family: 6, srcText: '2001:2:0:1::2', l4Proto: 17, sport: 5353, dport: 53 });
  t.deepEqual(udp6.vlanIds, [10, 20]);
  t.like(decodeFrame(buildPacket(parse('icmp 198.18.1.2 -> 198.18.2.2 type 3 code 1'))), { l4Proto: 1, icmpType: 3, icmpCode: 1 });
  t.like(decodeFrame(buildPacket(parse('icmp 2001:2::1 -> 2001:2::2 type echo-request'))), { family: 6, l4Proto: 58, icmpType: 128 });
  t.like(decodeFrame(buildPacket(parse('ip 198.18.1.2 -> 198.18.2.2 proto 47'))), { l4Proto: 47, hasL4: false });
  t.like(decodeFrame(buildPacket(parse('tcp 198.18.1.2 -> 198.18.2.2:22'))), { sport: 40000, tcpFlags: 2 }, 'defaults: source port 40000, SYN');
  t.is(formatPacketSpec(parse('tcp [2001:2::1]:5 -> [2001:2::2]:80 flags A len 3')), 'tcp [2001:2::1]:5 -> [2001:2::2]:80 flags A len 3');
});

test('packet descriptions: every mistake is an input error saying what is wrong', (t) => {
  const cases: Array<[string, RegExp]> = [
    ['tcp 198.18.1.2:1 198.18.2.2:80', /expected "PROTO/],
    ['tcp 198.18.1.2:1 => 198.18.2.2:80', /expected "->"/],
    ['gre 198.18.1.2 -> 198.18.2.2', /protocol "gre"/],
    ['tcp 198.18.1.2:1 -> 2001:2::1', /same family/],
    ['tcp 198.18.1.2:1 -> 198.18.2.2', /needs the destination port/],
    ['icmp 198.18.1.2:5 -> 198.18.2.2', /has no ports/],
    ['tcp 198.18.1.2:1 -> 198.18.2.2:80 flags SX', /flags "SX"/],
    ['udp 198.18.1.2:1 -> 198.18.2.2:80 flags S', /flags are for tcp/],
    ['tcp 198.18.1.2:1 -> 198.18.2.2:80 ttl 300', /ttl must be a number 0-255/],
    ['tcp 198.18.1.2:1 -> 198.18.2.2:80 colour red', /unknown word "colour"/],
    ['tcp 198.18.1.2:1 -> 198.18.2.2:80 ttl', /"ttl" needs a value/],
    ['tcp 198.18.1.300:1 -> 198.18.2.2:80', /not an IPv4 or IPv6 address/],
  ];
  for (const [line, re] of cases) {
    const e = t.throws(() => parse(line), { instanceOf: ControlError }, line);
    t.regex(e?.message ?? '', re, line);
    t.is(e?.exit, 'invalid');
  }
});

function rules(text: string): Rule[] {
  return compileRuleText([{ file: 't.rules', text }]).rules;
}

test('explainRule names each failing field with what the rule wants and what the packet has', (t) => {
  const [r] = rules('drop tcp 198.18.1.0/24 any -> 198.18.2.0/24 23 (flags:S; ttl:<10; sid:1;)');
  const p = decodeFrame(buildPacket(parse('tcp 198.18.1.2:1234 -> 198.18.2.2:80 flags A')));
  const x = explainRule(r, p);
  t.false(x.matches);
  t.is(x.failed, 3);
  t.deepEqual(x.fields.filter((f) => !f.ok).map((f) => `${f.field}: ${f.detail}`), [
    'flags: flags:S vs A', 'ttl: ttl:<10 vs 64', 'dst_port: 80 not in 23',
  ]);
  t.deepEqual(x.fields.filter((f) => f.ok).map((f) => f.field), ['proto', 'src', 'dst']);
  const [icmp] = rules('alert icmp any any -> any any (itype:8; sid:2;)');
  t.deepEqual(explainRule(icmp, p).fields.filter((f) => !f.ok).map((f) => f.detail), ['icmp is not tcp', 'itype:8 needs an ICMP header']);
  const [ported] = rules('alert ip any any -> any 80 (sid:3;)');
  const ping = decodeFrame(buildPacket(parse('icmp 198.18.1.2 -> 198.18.2.2')));
  t.regex(explainRule(ported, ping).fields[0].detail, /the rule names ports; the packet has no TCP\/UDP header \(icmp\)/);
  const [both] = rules('alert tcp 198.18.2.2 80 <> 198.18.1.2 any (sid:4;)');
  t.true(explainRule(both, p).matches, '<> matches the swapped direction');
});

test('explainRule agrees with headerMatches on random rules and packets', (t) => {
  let matched = 0;
  let total = 0;
  fc.assert(
    fc.property(arbRuleset({ maxRules: 20 }).chain((rs) => {
      const rs2 = compileRuleset(rs);
      return fc.tuple(fc.constant(rs2), fc.array(arbPacket(rs2), { minLength: 1, maxLength: 10 }));
    }), ([rs, packets]) => {
      for (const { frame } of packets) {
        const p = decodeFrame(frame);
        if (p.family === 0) continue;
        for (const r of rs) {
          const x = explainRule(r, p);
          const want = headerMatches(r, p);
          total++;
          if (want) matched++;
          if (x.matches !== want) return false;
          if (x.matches !== (x.failed === 0)) return false;
        }
      }
      return true;
    }),
    { numRuns: 150, seed: 4242 },
  );
  t.true(matched > 50 && total > matched * 2, `${matched} of ${total} matched`);
});
