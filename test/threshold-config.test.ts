// threshold.config: the parser's golden diagnostics (file:line:col+length, code, suggestion) and
// applyThresholdConfig on the IR (override, sig_id/gen_id 0, suppress without ip, suppress split
// by_src/by_dst/by_either with a subnet and a $VAR, rate_filter accepted or refused, purity).
import test from 'ava';

import { compileRuleText, type Rule, type RulesetResult } from '../src/rules/index.ts';
import { printRule } from '../src/rules/print.ts';
import { Resolver } from '../src/rules/resolve.ts';
import { parseThresholdConfig } from '../src/rules/threshold-config.ts';
import { applyThresholdConfig } from '../src/rules/threshold-config-apply.ts';
import { DEFAULT_VARS, mergeVars } from '../src/rules/vars.ts';

function run(rules: string, config: string, opts: { strict?: boolean; vars?: Record<string, string> } = {}): RulesetResult {
  return compileRuleText([{ file: 't.rules', text: rules }], {
    strict: opts.strict, vars: { addressGroups: opts.vars ?? {}, portGroups: {} },
    thresholdConfig: { file: 'th.config', text: config },
  });
}

const diags = (r: RulesetResult) => r.diagnostics.map((d) => `${d.code} ${d.file}:${d.line}:${d.col}+${d.length}${d.suggestion ? ` ~${d.suggestion}` : ''}`);
const addr = (s: Rule['src']) => (s.any ? 'any' : [...s.v4, ...s.v6].map((c) => `${c.addr}/${c.prefix}`).join(','));

const R1 = 'alert tcp any any -> any any (sid:1;)';

const GOLDEN: Array<[string, string, string[]]> = [
  ['comments, blank lines, a continued line, settings in any order', '# c\n\n  # indented\nthreshold sig_id 1, gen_id 1, \\\n  type limit, track by_src, count 1, seconds 5\n', []],
  ['unknown directive, suggestion', 'supress gen_id 1, sig_id 1', ['E_THRESHOLD_CONFIG_SYNTAX th.config:1:1+7 ~suppress']],
  ['unknown setting, suggestion', 'suppress gen_id 1, sig_di 1', ['E_THRESHOLD_CONFIG_SYNTAX th.config:1:20+6 ~sig_id']],
  ['setting given twice', 'suppress gen_id 1, gen_id 1, sig_id 1', ['E_THRESHOLD_CONFIG_SYNTAX th.config:1:20+6']],
  ['setting without a value', 'suppress gen_id 1, sig_id', ['E_THRESHOLD_CONFIG_SYNTAX th.config:1:20+6']],
  ['empty setting (two commas)', 'suppress gen_id 1,, sig_id 1', ['E_THRESHOLD_CONFIG_SYNTAX th.config:1:19+0']],
  ['missing settings, at the end of the line', 'threshold gen_id 1, sig_id 1, type limit', ['E_THRESHOLD_CONFIG_SYNTAX th.config:1:41+0']],
  ['missing setting on a continued line', 'rate_filter gen_id 1, sig_id 1, track by_rule, \\\n count 1, seconds 60, new_action alert', ['E_THRESHOLD_CONFIG_SYNTAX th.config:2:39+0']],
  ['suppress track without ip', 'suppress gen_id 1, sig_id 1, track by_src', ['E_THRESHOLD_CONFIG_SYNTAX th.config:1:42+0']],
  ['count 0', 'threshold gen_id 1, sig_id 1, type limit, track by_src, count 0, seconds 5', ['E_THRESHOLD_CONFIG_VALUE th.config:1:63+1']],
  ['seconds not a number', 'threshold gen_id 1, sig_id 1, type limit, track by_src, count 1, seconds 5s', ['E_THRESHOLD_CONFIG_VALUE th.config:1:74+2']],
  ['sig_id too large', 'suppress gen_id 1, sig_id 4294967296', ['E_THRESHOLD_CONFIG_VALUE th.config:1:27+10']],
  ['bad track, suggestion', 'threshold gen_id 1, sig_id 1, type limit, track by_srcc, count 1, seconds 5', ['E_THRESHOLD_CONFIG_VALUE th.config:1:49+7 ~by_src']],
  ['by_rule is no suppress track', 'suppress gen_id 1, sig_id 1, track by_rule, ip 1.2.3.4', ['E_THRESHOLD_CONFIG_VALUE th.config:1:36+7']],
  ['by_either is no threshold track', 'threshold gen_id 1, sig_id 1, type limit, track by_either, count 1, seconds 5', ['E_THRESHOLD_CONFIG_VALUE th.config:1:49+9']],
  ['bad new_action', 'rate_filter gen_id 1, sig_id 1, track by_rule, count 1, seconds 6, new_action block, timeout 3', ['E_THRESHOLD_CONFIG_VALUE th.config:1:79+5']],
  ['bad ip', 'suppress gen_id 1, sig_id 1, track by_src, ip 1.2.3.400', ['E_BAD_ADDRESS th.config:1:47+9']],
  ['ip list with an undefined $VAR', 'suppress gen_id 1, sig_id 1, track by_src, ip [1.2.3.4, $HOME_NTE]', ['E_UNDEFINED_VAR th.config:1:57+9 ~$HOME_NET']],
  ['ip that matches nothing', 'suppress gen_id 1, sig_id 1, track by_src, ip !any', ['E_EMPTY_ADDRESS th.config:1:47+4']],
  ['every bad line reported, the good ones kept', 'suppress gen_id x, sig_id 1\nsuppress gen_id 1, sig_id 1\nsupress gen_id 1, sig_id 1', [
    'E_THRESHOLD_CONFIG_VALUE th.config:1:17+1', 'E_THRESHOLD_CONFIG_SYNTAX th.config:3:1+7 ~suppress',
  ]],
  ['entry for no rule', 'suppress gen_id 1, sig_id 2\nsuppress gen_id 3, sig_id 0', ['W_THRESHOLD_CONFIG_NO_RULE th.config:1:1+8', 'W_THRESHOLD_CONFIG_NO_RULE th.config:2:1+8']],
];

for (const [name, config, expected] of GOLDEN) {
  test(`threshold.config diagnostics: ${name}`, (t) => {
    t.deepEqual(diags(run(R1, config)), expected);
  });
}

test('a line with an error gives no entry and makes the ruleset invalid (errors counted)', (t) => {
  const r = run(R1, 'suppress gen_id x, sig_id 1');
  t.is(r.summary.errors, 1);
  t.false(r.rules[0].noalert);
});

test('threshold/event_filter with a sig_id replaces the rule\'s threshold or detection_filter', (t) => {
  const r = run([
    'alert tcp any any -> any any (threshold: type threshold, track by_dst, count 10, seconds 60; sid:1;)',
    'alert tcp any any -> any any (detection_filter: track by_src, count 3, seconds 10; sid:2;)',
    'alert tcp any any -> any any (sid:3;)',
  ].join('\n'), [
    'threshold gen_id 1, sig_id 1, type limit, track by_src, count 1, seconds 15',
    'event_filter gen_id 1, sig_id 2, type both, track by_both, count 3, seconds 5',
    'threshold gen_id 1, sig_id 3, type threshold, track by_flow, count 2, seconds 7',
    'threshold gen_id 1, sig_id 3, type limit, track by_rule, count 4, seconds 8', // later wins
  ].join('\n'));
  t.deepEqual(r.diagnostics, []);
  t.deepEqual(r.rules.map((x) => [x.threshold, x.detectionFilter]), [
    [{ type: 'limit', track: 'by_src', count: 1, seconds: 15 }, undefined],
    [{ type: 'both', track: 'by_both', count: 3, seconds: 5 }, undefined],
    [{ type: 'limit', track: 'by_rule', count: 4, seconds: 8 }, undefined],
  ]);
});

test('sig_id 0 sets a threshold only on rules without one; gen_id selects the gid; gen_id 0 every gid', (t) => {
  const rules = [
    'alert tcp any any -> any any (threshold: type limit, track by_src, count 9, seconds 9; sid:1;)',
    'alert tcp any any -> any any (sid:2;)',
    'alert tcp any any -> any any (gid:3; sid:3;)',
    'alert tcp any any -> any any (detection_filter: track by_src, count 2, seconds 2; sid:4;)',
  ].join('\n');
  const gen1 = run(rules, 'threshold gen_id 1, sig_id 0, type threshold, track by_dst, count 5, seconds 50');
  t.deepEqual(gen1.rules.map((x) => x.threshold?.count ?? null), [9, 5, null, null]);
  t.is(gen1.rules[3].detectionFilter?.count, 2);
  const all = run(rules, 'threshold gen_id 0, sig_id 0, type threshold, track by_dst, count 5, seconds 50');
  t.deepEqual(all.rules.map((x) => x.threshold?.count ?? null), [9, 5, 5, null]);
  const gen3 = run(rules, 'event_filter gen_id 3, sig_id 0, type limit, track by_src, count 7, seconds 1');
  t.deepEqual(gen3.rules.map((x) => x.threshold?.count ?? null), [9, null, 7, null]);
  const wrongGid = run(rules, 'suppress gen_id 1, sig_id 3');
  t.deepEqual(diags(wrongGid), ['W_THRESHOLD_CONFIG_NO_RULE th.config:1:1+8']);
});

test('suppress without ip: noalert, the action and flowbits stay', (t) => {
  const r = run('drop tcp any any -> any any (flowbits:set,x; sid:1;)\nalert tcp any any -> any any (sid:2;)', 'suppress gen_id 1, sig_id 1');
  t.deepEqual(r.rules.map((x) => [x.action, x.noalert, x.flowbits.length]), [['drop', true, 1], ['alert', false, 0]]);
});

test('suppress by_src with a subnet splits the rule: inside alert+noalert, outside as before; ids renumbered', (t) => {
  const r = run(['drop tcp 198.18.0.0/16 any -> any 80 (flowbits:set,x; sid:1;)', 'alert tcp any any -> any any (sid:2;)'].join('\n'),
    'suppress gen_id 1, sig_id 1, track by_src, ip [198.18.4.0/24, 10.0.0.1]');
  t.deepEqual(r.diagnostics, []);
  t.deepEqual(r.rules.map((x) => [x.id, x.meta.sid, x.action, x.noalert, addr(x.src), addr(x.dst), x.flowbits.length]), [
    [0, 1, 'alert', true, '198.18.4.0/24', 'any', 1],
    [1, 1, 'drop', false, '198.18.0.0/22,198.18.5.0/24,198.18.6.0/23,198.18.8.0/21,198.18.16.0/20,198.18.32.0/19,198.18.64.0/18,198.18.128.0/17', 'any', 1],
    [2, 2, 'alert', false, 'any', 'any', 0],
  ]);
  t.is(r.summary.loaded, 2, 'loaded counts rules of the file, not the parts');
});

test('suppress by_dst with a $VAR (v4 and v6); a rule wholly inside the set becomes one suppressed rule', (t) => {
  const r = run(['alert udp any any -> any 53 (sid:1;)', 'alert udp any any -> 2001:2::/64 53 (sid:2;)'].join('\n'),
    'suppress gen_id 1, sig_id 0, track by_dst, ip $QUIET', { vars: { QUIET: '[2001:2::/48, 198.18.0.0/15]' } });
  t.deepEqual(r.diagnostics, []);
  t.deepEqual(r.rules.map((x) => `${x.meta.sid} ${x.noalert ? 'noalert' : 'alerts'} -> ${addr(x.dst)}`), [
    '1 noalert -> 198.18.0.0/15,2001:2::/48',
    '1 alerts -> 0.0.0.0/1,128.0.0.0/2,192.0.0.0/6,196.0.0.0/7,198.0.0.0/12,198.16.0.0/15,198.20.0.0/14,198.24.0.0/13,198.32.0.0/11,198.64.0.0/10,198.128.0.0/9,199.0.0.0/8,200.0.0.0/5,208.0.0.0/4,224.0.0.0/3,' +
      '::/3,2000::/16,2001::/31,2001:2:1::/48,2001:2:2::/47,2001:2:4::/46,2001:2:8::/45,2001:2:10::/44,2001:2:20::/43,2001:2:40::/42,2001:2:80::/41,2001:2:100::/40,2001:2:200::/39,2001:2:400::/38,2001:2:800::/37,2001:2:1000::/36,2001:2:2000::/35,2001:2:4000::/34,2001:2:8000::/33,2001:3::/32,2001:4::/30,2001:8::/29,2001:10::/28,2001:20::/27,2001:40::/26,2001:80::/25,2001:100::/24,2001:200::/23,2001:400::/22,2001:800::/21,2001:1000::/20,2001:2000::/19,2001:4000::/18,2001:8000::/17,2002::/15,2004::/14,2008::/13,2010::/12,2020::/11,2040::/10,2080::/9,2100::/8,2200::/7,2400::/6,2800::/5,3000::/4,4000::/2,8000::/1',
    '2 noalert -> 2001:2::/64',
  ]);
});

test('suppress by_either: three parts (src in, dst in, neither); on a <> rule too', (t) => {
  for (const dir of ['->', '<>']) {
    const r = run(`drop tcp 198.18.0.0/23 any ${dir} 198.18.0.0/23 any (sid:1;)`, 'suppress gen_id 1, sig_id 1, track by_either, ip 198.18.1.0/24');
    t.deepEqual(r.diagnostics, [], dir);
    t.deepEqual(r.rules.map((x) => `${x.action}${x.noalert ? ' noalert' : ''} ${addr(x.src)} ${x.direction} ${addr(x.dst)}`), [
      `alert noalert 198.18.1.0/24 ${dir} 198.18.0.0/23`,
      `alert noalert 198.18.0.0/24 ${dir} 198.18.1.0/24`,
      `drop 198.18.0.0/24 ${dir} 198.18.0.0/24`,
    ], dir);
  }
});

test('suppress by_src or by_dst on a <> rule is refused: the rule is skipped with a warning (an error with strict)', (t) => {
  const rules = 'alert tcp any any <> any any (sid:1;)\nalert tcp any any -> any any (sid:2;)';
  const r = run(rules, 'suppress gen_id 1, sig_id 0, track by_src, ip 198.18.0.1');
  t.deepEqual(diags(r), ['W_UNSUPPORTED_THRESHOLD_CONFIG th.config:1:1+8']);
  t.deepEqual(r.rules.map((x) => x.meta.sid), [2, 2]);
  t.deepEqual(r.skipped, [{ file: 't.rules', line: 1, sid: 1, reasons: ['threshold.config:suppress'] }]);
  t.like(r.summary, { loaded: 1, skipped: 1, warnings: 1, errors: 0, skippedByKeyword: { 'threshold.config:suppress': 1 } });
  t.deepEqual(diags(run(rules, 'suppress gen_id 1, sig_id 1, track by_dst, ip 198.18.0.1', { strict: true })), ['E_UNSUPPORTED_THRESHOLD_CONFIG th.config:1:1+8']);
});

test('rate_filter: new_action equal to the rule\'s action is accepted unchanged; another one skips the rule', (t) => {
  const rules = 'drop tcp any any -> any 22 (sid:1;)\nalert tcp any any -> any 23 (sid:2;)';
  const same = run(rules, 'rate_filter gen_id 1, sig_id 1, track by_src, count 10, seconds 60, new_action drop, timeout 300');
  t.deepEqual(same.diagnostics, []);
  t.deepEqual(same.rules.map((x) => printRule(x)), compileRuleText([{ file: 't.rules', text: rules }]).rules.map((x) => printRule(x)));
  const other = run(rules, 'rate_filter gen_id 1, sig_id 2, track by_src, count 10, seconds 60, new_action drop, timeout 300');
  t.deepEqual(diags(other), ['W_UNSUPPORTED_THRESHOLD_CONFIG th.config:1:1+11']);
  t.regex(other.diagnostics[0].message, /new_action drop on a rule whose action is alert/);
  t.deepEqual(other.rules.map((x) => [x.id, x.meta.sid]), [[0, 1]]);
  for (const a of ['sdrop', 'log', 'pass', 'reject']) {
    t.deepEqual(diags(run(rules, `rate_filter gen_id 1, sig_id 1, track by_rule, count 1, seconds 1, new_action ${a}, timeout 1`)), ['W_UNSUPPORTED_THRESHOLD_CONFIG th.config:1:1+11'], a);
  }
});

test('applyThresholdConfig is pure: the compiled result it is given is unchanged', (t) => {
  const base = compileRuleText([{ file: 't.rules', text: 'drop tcp any any -> any any (sid:1;)' }]);
  const before = JSON.stringify(base);
  const tc = parseThresholdConfig('th.config', 'suppress gen_id 1, sig_id 1, track by_src, ip 198.18.0.0/24\nthreshold gen_id 1, sig_id 1, type limit, track by_src, count 1, seconds 1', new Resolver(mergeVars(DEFAULT_VARS)));
  t.is(tc.entries.length, 2);
  const r = applyThresholdConfig(base, tc);
  t.is(JSON.stringify(base), before);
  t.is(r.rules.length, 2);
  t.true(r.rules.every((x) => x.threshold?.type === 'limit'), 'a later entry applies to every part of a split rule');
  t.is(r.rules[0].dst, base.rules[0].dst, 'an address set the split keeps is the same object (the IR interns sets)');
});

test('control: compileRuleFiles reads --threshold-config, hashes it, and recompile (trace) gives the same rules', async (t) => {
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { compileRuleFiles, recompile } = await import('../src/control/compile.ts');
  const dir = mkdtempSync(join(tmpdir(), 'fwctl-tcfg-ctl-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'r.rules'), 'drop tcp any any -> any any (sid:1;)\n');
  writeFileSync(join(dir, 'th.config'), 'suppress gen_id 1, sig_id 1, track by_dst, ip 198.18.0.0/24\n');
  const plain = await compileRuleFiles({ files: [join(dir, 'r.rules')] });
  const c = await compileRuleFiles({ files: [join(dir, 'r.rules')], thresholdConfig: join(dir, 'th.config') });
  t.is(plain.result.rules.length, 1);
  t.is(c.result.rules.length, 2);
  t.not(c.hash, plain.hash);
  t.deepEqual(c.thresholdConfig, { file: join(dir, 'th.config'), text: 'suppress gen_id 1, sig_id 1, track by_dst, ip 198.18.0.0/24\n' });
  t.deepEqual(recompile(c).rules.map((x) => printRule(x)), c.result.rules.map((x) => printRule(x)));
  await t.throwsAsync(compileRuleFiles({ files: [join(dir, 'r.rules')], thresholdConfig: join(dir, 'none.config') }), { message: /cannot read .*none\.config: no such file/ });
});
