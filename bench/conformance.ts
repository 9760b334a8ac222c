// bench/conformance: the suricata-verify cases of ../shared/conformance/ through `fwctl replay`'s
// path (rules compiled, planned, applied to the real XDP object; alerts drained per packet), alert
// counts per sid against expected.json. Prints one line per case — passed, failed (with the counts
// that differ) or not yet supported (with the reason) — and the totals.
// Usage: npx tsx bench/conformance.ts [--json] [--case NAME-SUBSTRING]
import { parseArgs } from 'node:util';

import { type CaseResult, CONFORMANCE_ROOT, findCases, runCase } from '../src/replay/conformance.ts';

const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, case: { type: 'string' } } });
const cases = findCases(CONFORMANCE_ROOT).filter((c) => !values.case || c.name.includes(values.case));
if (cases.length === 0) {
  console.error(`no conformance cases under ${CONFORMANCE_ROOT}${values.case ? ` matching "${values.case}"` : ''}`);
  process.exit(1);
}

const results: CaseResult[] = [];
for (const c of cases) {
  let r: CaseResult;
  try {
    r = await runCase(c);
  } catch (e) {
    r = { name: c.name, tier: c.tier, status: 'failed', reason: `crashed: ${(e as Error).message}`, diffs: [], alerts: null, packets: 0, notes: [], ms: 0 };
  }
  results.push(r);
  if (values.json) console.log(JSON.stringify(r));
}

const width = Math.max(...results.map((r) => r.name.length));
const label = { passed: 'passed', failed: 'FAILED', unsupported: 'not yet supported' } as const;
if (!values.json) {
  for (const r of results) {
    const diffs = r.diffs.map((d) => `${d.sid === null ? 'total' : `sid ${d.sid}`}${d.match ? ' (match)' : ''}: expected ${d.expected}, got ${d.got}`).join('; ');
    const why = [r.reason, diffs].filter(Boolean).join(' — ');
    console.log(`${r.name.padEnd(width)}  t${r.tier}  ${label[r.status].padEnd(17)} ${why}`);
  }
}
const n = (s: CaseResult['status']) => results.filter((r) => r.status === s).length;
const total = `${results.length} cases: ${n('passed')} passed, ${n('failed')} failed, ${n('unsupported')} not yet supported`;
console.log(values.json ? JSON.stringify({ event_type: 'conformance_total', cases: results.length, passed: n('passed'), failed: n('failed'), unsupported: n('unsupported') }) : total);
