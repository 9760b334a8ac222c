// fwctl status: interfaces and attach modes, the active generation and the rollback target, rule
// counts by action, address-set counts, event counters, map fill levels, a pending confirm.
import { status, type StatusReport } from '../../control/index.ts';
import { flowSummaryText } from '../../datapath/index.ts';
import { isDefaultOrder } from '../../rules/index.ts';
import { EXIT, UsageError, type Command } from '../command.ts';
import { instanceOf, instanceOpt, withControl } from './load.ts';

const counts = (m: Record<string, number>) => Object.entries(m).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';

function text(r: StatusReport, out: (l: string) => void): void {
  out(`instance ${r.instance}${r.loadedByFwctl ? '' : ' (not loaded by fwctl load: no state)'}`);
  out(`  pins  ${r.pinDir}`);
  out(`  state ${r.stateDir}`);
  out('interfaces:');
  if (r.interfaces.length === 0) out('  none');
  for (const i of r.interfaces) {
    out(`  ${i.name.padEnd(16)} ${i.mode.padEnd(8)} ${i.here ? (i.ours ? `attached (${i.attached}, prog ${i.progId})` : i.attached === 'none' ? 'NOT attached' : `${i.attached}: another program (${i.progId})`) : 'in another network namespace'}`);
  }
  const g = r.active;
  if (!g) out('ruleset: none');
  else {
    out(`ruleset: generation ${g.index}, load #${g.tag}, ${g.ruleCount} rules${g.loadedAt ? `, loaded ${g.loadedAt}` : ''}${g.actionScope !== 'flow' ? `, action scope ${g.actionScope}` : ''}${!isDefaultOrder(g.actionOrder) ? `, action order ${g.actionOrder.join(',')}` : ''}${g.forced ? ' (lockout check overridden)' : ''}`);
    if (g.metadata) {
      out(`  by action: ${counts(g.byAction)}`);
      out(`  by band:   ${counts(g.byBand)}`);
      for (const f of g.files) out(`  file ${f}`);
    } else out('  no metadata in the state directory for this generation');
  }
  if (r.rollbackTo) out(`rollback to: generation ${r.rollbackTo.index}, load #${r.rollbackTo.tag}, ${r.rollbackTo.ruleCount} rules, loaded ${r.rollbackTo.loadedAt}`);
  if (r.confirm) out(`confirm: load #${r.confirm.guardedTag} rolls back at ${r.confirm.deadline} (${r.confirm.remainingS} s left; watchdog ${r.confirm.watchdogAlive ? 'running' : 'NOT running'})`);
  if (r.lastRollback) out(`last rollback: ${r.lastRollback.at} by ${r.lastRollback.by}, ${r.lastRollback.from ? `load #${r.lastRollback.from.tag}` : "none"} → ${r.lastRollback.to ? `load #${r.lastRollback.to.tag}` : 'none'}`);
  if (r.mgmt) out(`management access: ${r.mgmt.description}`);
  const a = r.addressSets;
  out(`address sets: allow ${a.allow.v4}/${a.allow.v6}, deny ${a.deny.v4}/${a.deny.v6}, block ${a.block.v4}/${a.block.v6} (IPv4/IPv6)`);
  out(`events: ${r.events.emitted} emitted, ${r.events.suppressed} suppressed, ${r.events.lost} lost`);
  const rl = r.rateLimits;
  if (rl) {
    const lim = rl.limits.map((l) => `#${l.id} ${l.passed} passed / ${l.exceeded} exceeded / ${l.blocked} blocked`).join('; ');
    out(`rate limits: ${rl.limits.length ? lim : 'none'}; scan detection ${rl.scan ? 'on' : 'off'}, flood detection ${rl.flood ? 'on' : 'off'}${rl.monitor ? ' (monitor only)' : ''}; ` +
      `detected ${rl.detected.scan} scans, ${rl.detected.flood} floods`);
  }
  out('flows:');
  for (const l of flowSummaryText(r.flows)) out(l);
  out('maps:');
  const row = (m: { name: string; type: string; maxEntries: number; entries: number | null; fill: number | null }, indent: string) =>
    out(`${indent}${m.name.padEnd(24 - indent.length + 2)} ${m.type.padEnd(16)} ${m.entries === null ? '' : `${m.entries}/`}${m.maxEntries}${m.fill === null ? '' : ` (${(m.fill * 100).toFixed(1)}%)`}`);
  for (const m of r.maps) {
    row(m, '  ');
    for (const i of m.inner ?? []) row(i, '    ');
  }
}

export const statusCommand: Command = {
  name: 'status',
  summary: 'what an instance enforces: interfaces, generation, rule counts, map fill, sets, events',
  usage: '',
  options: [instanceOpt],
  async run(input) {
    if (input.positionals.length > 0) throw new UsageError('E_CLI_USAGE', 'status takes no arguments');
    return withControl(input, 'status', () => {
      const r = status({ instance: instanceOf(input.options) });
      if (input.json) input.out(JSON.stringify({ event_type: 'status', ...r }));
      else text(r, input.out);
      return EXIT.ok;
    });
  },
};
