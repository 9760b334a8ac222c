// The planner (src/rules/plan): golden map images of small rulesets (decoded into a readable digest
// by test/plan-helpers.ts, from the bytes), refusals, determinism, and the address trie against a
// brute-force lookup.
import test from 'ava';
import fc from 'fast-check';

import { compileRuleText, type Rule } from '../src/rules/index.ts';
import { PlanError, planRuleset } from '../src/rules/plan/index.ts';
import { lookupTrie, TrieBuilder, type Interval } from '../src/rules/plan/trie.ts';
import { describePlan } from './plan-helpers.ts';

function rules(text: string): Rule[] {
  const r = compileRuleText([{ file: 't.rules', text }]);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(errors.map((d) => d.message).join('; '));
  return r.rules;
}

const golden = (s: string) => s.trim();

test('golden: one port rule (ports need TCP/UDP: sport any excludes NONE; flags any on TCP)', (t) => {
  t.is(describePlan(planRuleset(rules('drop tcp any any -> any 80 (sid:1;)'))), golden(`
slots 64 words 1 sum 1 features 0 rules 1
pf: 0-1541:0 1542-1798:1 1799-65791:0
icmp: 0-65536:0
ttl: 0-255:0
dsize: 0-65536:0
sport: 0-65535:0 65536:1
dport: 0-79:0 80:1 81-65536:0
rows src: 0={0}/{0}
rows dst: 0={0}/{0}
rows pf: 0={}/{} 1={0}/{0}
rows icmp: 0={0}/{0}
rows ttl: 0={0}/{0}
rows dsize: 0={0}/{0}
rows sport: 0={0}/{0} 1={}/{}
rows dport: 0={}/{} 1={0}/{0}
slot 0: id 0 sid 1 rank 0 drop action drop kind 0 flags not_nd twin 0 frag 0/0 ipopt 0 id 0 seq 0
root4: 0-ffff:leaf 0
root6: 0-ffff:leaf 0
proj: 0=s0/d0
`));
});

test('golden: address trie (IPv4 nodes, an IPv6 /128 as a skip), pass outranks alert by band', (t) => {
  t.is(describePlan(planRuleset(rules(`alert ip 198.18.0.0/24 any -> 2001:2::1 any (sid:2;)
pass udp [198.18.0.7,198.18.1.0/25] 53 -> any any (sid:3; priority:1;)`))), golden(`
slots 128 words 2 sum 1 features 0 rules 2
pf: 0-4368:0 4369-4625:1 4626-65791:0
icmp: 0-65536:0
ttl: 0-255:0
dsize: 0-65536:0
sport: 0-52:0 53:1 54-65536:0
dport: 0-65535:0 65536:1
rows src: 0={}/{} 1={64}/{1} 2={0,64}/{0,1} 3={0}/{0}
rows dst: 0={0}/{0} 1={0,64}/{0,1}
rows pf: 0={64}/{1} 1={0,64}/{0,1}
rows icmp: 0={0,64}/{0,1}
rows ttl: 0={0,64}/{0,1}
rows dsize: 0={0,64}/{0,1}
rows sport: 0={64}/{1} 1={0,64}/{0,1}
rows dport: 0={0,64}/{0,1} 1={64}/{1}
slot 0: id 1 sid 3 rank 0 pass action pass kind 0 flags - twin 0 frag 0/0 ipopt 0 id 0 seq 0
slot 64: id 0 sid 2 rank 1 alert action alert kind 0 flags - twin 64 frag 0/0 ipopt 0 id 0 seq 0
root4: 0-c611:leaf 0 c612:node 0 c613-ffff:leaf 0
root6: 0-2000:leaf 0 2001:skip 0 2002-ffff:leaf 0
node 0: 0:node 1 1:node 2 2-255:leaf 0
node 1: 0-6:leaf 1 7:leaf 2 8-255:leaf 1
node 2: 0-127:leaf 3 128-255:leaf 0
node 3: 0:leaf 0 1:leaf 4 2-255:leaf 0
skip 0: bytes 2=0,3=2,4=0,5=0,6=0,7=0,8=0,9=0,10=0,11=0,12=0,13=0,14=0 next node 3 miss 0 depth 15
proj: 0=s0/d0 1=s1/d0 2=s2/d0 3=s3/d0 4=s0/d1
`));
});

test('golden: <> twins, flags, itype/icode, dsize, ttl, reject kinds, noalert, residual keywords', (t) => {
  t.is(describePlan(planRuleset(rules(`alert tcp 198.18.0.1 1000 <> 198.18.0.2 2000 (sid:5; flags:S;)
reject icmp any any -> any any (itype:8; icode:0; sid:6;)
rejectdst udp any any -> any any (dsize:>100; ttl:<3; sid:7; noalert;)
alert ip any any -> any any (sameip; fragbits:M+; ipopts:rr; sid:8;)
alert icmp any any -> any any (icmp_id:7; icmp_seq:9; sid:9;)`))), golden(`
slots 320 words 5 sum 1 features 1 rules 5
pf: 0-256:0 257-513:1 514-1543:0 1544:2 1545-4368:0 4369-4625:3 4626-14905:0 14906-15162:1 15163-65791:0
icmp: 0-2047:0 2048:1 2049-65536:0
ttl: 0-2:0 3-255:1
dsize: 0-100:0 101-65535:1 65536:0
sport: 0-999:0 1000:1 1001-1999:0 2000:2 2001-65536:0
dport: 0-999:0 1000:1 1001-1999:0 2000:2 2001-65536:0
rows src: 0={0,64,128,192}/{0,1,2,3} 1={0,64,128,192,256}/{0,1,2,3,4} 2={0,64,128,192,257}/{0,1,2,3,4}
rows dst: 0={0,64,128,192}/{0,1,2,3} 1={0,64,128,192,257}/{0,1,2,3,4} 2={0,64,128,192,256}/{0,1,2,3,4}
rows pf: 0={0}/{0} 1={0,64,128}/{0,1,2} 2={0,256,257}/{0,4} 3={0,192}/{0,3}
rows icmp: 0={0,64,192,256,257}/{0,1,3,4} 1={0,64,128,192,256,257}/{0,1,2,3,4}
rows ttl: 0={0,64,128,192,256,257}/{0,1,2,3,4} 1={0,64,128,256,257}/{0,1,2,4}
rows dsize: 0={0,64,128,256,257}/{0,1,2,4} 1={0,64,128,192,256,257}/{0,1,2,3,4}
rows sport: 0={0,64,128,192}/{0,1,2,3} 1={0,64,128,192,256}/{0,1,2,3,4} 2={0,64,128,192,257}/{0,1,2,3,4}
rows dport: 0={0,64,128,192}/{0,1,2,3} 1={0,64,128,192,257}/{0,1,2,3,4} 2={0,64,128,192,256}/{0,1,2,3,4}
slot 0: id 3 sid 8 rank 3 alert action alert kind 0 flags sameip|fragbits|ipopts twin 0 frag 1/1 ipopt 2 id 0 seq 0
slot 64: id 4 sid 9 rank 4 alert action alert kind 0 flags icmp_id|icmp_seq twin 64 frag 0/0 ipopt 0 id 7 seq 9
slot 128: id 1 sid 6 rank 0 reject action reject kind 0 flags - twin 128 frag 0/0 ipopt 0 id 0 seq 0
slot 192: id 2 sid 7 rank 1 reject action reject kind 1 flags noalert|not_nd twin 192 frag 0/0 ipopt 0 id 0 seq 0
slot 256: id 0 sid 5 rank 2 alert action alert kind 0 flags - twin 257 frag 0/0 ipopt 0 id 0 seq 0
slot 257: id 0 sid 5 rank 2 alert action alert kind 0 flags twin2 twin 256 frag 0/0 ipopt 0 id 0 seq 0
root4: 0-c611:leaf 0 c612:skip 0 c613-ffff:leaf 0
root6: 0-ffff:leaf 0
node 0: 0:leaf 0 1:leaf 1 2:leaf 2 3-255:leaf 0
skip 0: bytes 2=0 next node 0 miss 0 depth 3
proj: 0=s0/d0 1=s1/d1 2=s2/d2
`));
});

test('rank follows the reference: band (pass, drop, reject, alert, flag), then priority, then sid', (t) => {
  const p = planRuleset(rules(`alert ip any any -> any any (sid:10; priority:1;)
alert tcp any any -> any 80 (sid:9; content:"x";)
drop ip any any -> any any (sid:30; priority:2;)
drop ip any any -> any any (sid:20; priority:2;)
reject ip any any -> any any (sid:5;)
pass ip any any -> any any (sid:99; priority:4;)
alert ip any any -> any any (sid:1; priority:2;)`));
  t.deepEqual(p.rules.map((r) => [r.sid, r.band]), [[10, 'alert'], [9, 'flag'], [30, 'drop'], [20, 'drop'], [5, 'reject'], [99, 'pass'], [1, 'alert']]);
  const digest = describePlan(p);
  const rank = (sid: number) => Number(new RegExp(`sid ${sid} rank (\\d+)`).exec(digest)![1]);
  t.deepEqual([99, 20, 30, 5, 10, 1, 9].map(rank), [0, 1, 2, 3, 4, 5, 6]);
});

test('refusals: flow:only_stream / only_frag (no reassembly) on rules XDP decides alone; never on DPI rules', (t) => {
  for (const [opt, kw] of [['flow:only_stream;', 'flow'], ['flow:established,only_frag;', 'flow']] as const) {
    const e = t.throws(() => planRuleset(rules(`alert tcp any any -> any 22 (${opt} sid:77;)`)), { instanceOf: PlanError });
    t.is(e!.code, 'E_PLAN_UNSUPPORTED');
    t.is(e!.sid, 77);
    t.is(e!.keyword, kw);
    t.regex(e!.message, new RegExp(`sid 77 \\(t\\.rules:1\\).*${kw}`));
  }
  const dpi = planRuleset(rules('alert tcp any any -> any 80 (flow:established,to_server; content:"GET"; sid:78;)'));
  t.is(dpi.rules[0].band, 'flag');
  const many = rules(Array.from({ length: 5 }, (_, i) => `alert ip any any -> any any (sid:${i + 1};)`).join('\n'));
  const e = t.throws(() => planRuleset(many, { maxRules: 4 }), { instanceOf: PlanError });
  t.is(e!.code, 'E_PLAN_TOO_MANY_RULES');
});

test('deterministic: the same rules give the same images byte for byte', (t) => {
  const text = `alert tcp 198.18.0.0/16 any -> [2001:2::/64,198.19.0.1] [80,443] (flags:S; sid:1;)
drop udp any 53 <> 198.18.3.0/24 any (dsize:<100; sid:2;)
alert icmp any any -> any any (itype:3; sid:3;)`;
  const a = planRuleset(rules(text));
  const b = planRuleset(rules(text));
  for (const [name, img] of Object.entries(a.images)) t.true(img.data.equals(b.images[name].data), name);
  t.deepEqual(a.cfg, b.cfg);
});

test('the trie gives every address the class of its interval (random prefixes, both families)', (t) => {
  const arbFam = fc.constantFrom(4 as const, 6 as const);
  t.notThrows(() => fc.assert(fc.property(arbFam, fc.array(fc.tuple(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.integer({ min: 0, max: 128 })), { minLength: 1, maxLength: 30 }),
    fc.array(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), { minLength: 20, maxLength: 20 }), (fam, prefixes, probes) => {
      const bits = fam === 4 ? 32 : 128;
      const max = (1n << BigInt(bits)) - 1n;
      // Cut points from the prefixes, classes numbered by piece (adjacent pieces differ).
      const cuts = new Set<bigint>([0n]);
      for (const [a, l] of prefixes) {
        const len = Math.min(l, bits);
        const size = 1n << BigInt(bits - len);
        const lo = ((a & max) / size) * size;
        cuts.add(lo);
        if (lo + size <= max) cuts.add(lo + size);
      }
      const starts = [...cuts].sort((x, y) => (x < y ? -1 : 1));
      const iv: Interval[] = starts.map((lo, i) => ({ lo, hi: i + 1 < starts.length ? starts[i + 1] - 1n : max, cls: i % 3 === 2 ? 7 : i % 3 }));
      // merge equal neighbours, as the planner does
      const merged: Interval[] = [];
      for (const x of iv) {
        const last = merged[merged.length - 1];
        if (last && last.cls === x.cls) last.hi = x.hi;
        else merged.push({ ...x });
      }
      const tb = new TrieBuilder();
      tb.add(fam, merged);
      for (const p of [...probes.map((x) => x & max), ...merged.flatMap((x) => [x.lo, x.hi])]) {
        const want = merged.find((x) => p >= x.lo && p <= x.hi)!.cls;
        if (lookupTrie(tb, fam, p) !== want) return false;
      }
      return true;
    }), { numRuns: 300, seed: 5 }));
});
