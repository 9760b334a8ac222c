// fwctl load FILE... : check, plan, lockout check, open or create the instance, attach, apply the
// ruleset as a new generation (one flip), record, and with --confirm start the rollback watchdog.
// The work is src/control's (loadRuleset); this file parses options and prints. Also exports the
// small helpers the other instance commands share (instance option, ControlError printing).
import { ControlError, DEFAULT_INSTANCE, loadRuleset, type LoadReport } from '../../control/index.ts';
import { formatDiagnostic } from '../../rules/index.ts';
import { EXIT, UsageError, type Command, type CommandInput, type OptionDef, type OptionValues } from '../command.ts';

export const instanceOpt: OptionDef = {
  name: 'instance', type: 'string', arg: 'NAME', description: `the instance (default "${DEFAULT_INSTANCE}")`,
};

export function instanceOf(options: OptionValues): string {
  return (options.instance as string | undefined) ?? DEFAULT_INSTANCE;
}

/** Runs a control operation; a ControlError becomes its exit code and an error record (with -o
 *  json: {"error": {code, message, step, ...details}}; text: diagnostics first, then one line). */
export async function withControl(input: CommandInput, verb: string, fn: () => Promise<number> | number): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    if (!(e instanceof ControlError)) throw e;
    if (input.json) {
      input.out(JSON.stringify({ error: { code: e.code, message: e.message, step: e.step, ...e.details } }));
    } else {
      const diags = e.details.diagnostics as Parameters<typeof formatDiagnostic>[0][] | undefined;
      for (const d of diags ?? []) input.err(formatDiagnostic(d));
      input.err(`fwctl: ${verb} failed at ${e.step}: ${e.message}`);
    }
    return e.exit === 'invalid' ? EXIT.invalid : EXIT.failure;
  }
}

function positiveNumber(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError('E_CLI_BAD_VALUE', `--${name} takes a positive number, not "${String(v)}"`);
  return n;
}

function loadRecord(r: LoadReport): Record<string, unknown> {
  const s = r.compiled.result.summary;
  return {
    event_type: 'load',
    instance: r.instance,
    created: r.created,
    generation: { index: r.generation.index, tag: r.generation.tag, rule_count: r.generation.ruleCount },
    previous: r.previous,
    rules: { total: s.total, loaded: s.loaded, skipped: s.skipped, invalid: s.invalid, errors: s.errors, warnings: s.warnings, by_keyword: s.skippedByKeyword },
    hash: r.compiled.hash,
    interfaces: r.interfaces,
    lockout: r.lockout,
    confirm: r.confirm ? { deadline: new Date(r.confirm.deadline).toISOString(), seconds: r.confirm.seconds, watchdog_pid: r.confirm.pid } : null,
    diagnostics: r.compiled.result.diagnostics,
    timings: r.timings,
  };
}

export const loadCommand: Command = {
  name: 'load',
  summary: 'load rule files into an instance as a new generation (atomic flip), attach it to interfaces',
  usage: 'FILE...',
  options: [
    { name: 'iface', type: 'string', multiple: true, arg: 'IF[,IF...]', description: 'interfaces to attach to (kept: the instance\'s current ones)' },
    { name: 'mode', type: 'string', arg: 'MODE', description: 'XDP attach mode: native (default) or generic' },
    { name: 'var', type: 'string', multiple: true, arg: 'NAME=VALUE', description: 'define or override a rule variable' },
    { name: 'vars', type: 'string', multiple: true, arg: 'FILE', description: 'JSON vars file ({"address-groups": ..., "port-groups": ...})' },
    instanceOpt,
    { name: 'confirm', type: 'string', arg: 'SECS', description: 'roll back unless `fwctl confirm` arrives within SECS seconds' },
    { name: 'mgmt', type: 'string', arg: 'ADDR[:PORT]', description: 'management access to protect: source address or prefix, port (default any:22)' },
    { name: 'mgmt-to', type: 'string', multiple: true, arg: 'ADDR[,ADDR]', description: "the box's management addresses (default: its interfaces' addresses)" },
    { name: 'force', type: 'boolean', description: 'load even if the ruleset would cut the management access' },
    { name: 'strict', type: 'boolean', description: 'report keywords fwctl cannot evaluate yet as errors' },
    { name: 'threshold-config', type: 'string', arg: 'FILE', description: "Suricata's threshold.config: threshold, event_filter, suppress, rate_filter entries" },
    { name: 'action-order', type: 'string', arg: 'A,B,C,D', description: "the order matching rules decide in, Suricata's action-order (default pass,drop,reject,alert)" },
    { name: 'action-scope', type: 'string', arg: 'SCOPE', description: "what a deciding drop/pass of a TCP packet applies to: flow (default: the rest of the flow) or suricata (IP-only rules the flow, other rules the packet)" },
  ],
  async run(input) {
    const { options, positionals, out, err, json } = input;
    if (positionals.length === 0) throw new UsageError('E_CLI_MISSING_ARGUMENT', 'load needs at least one rule FILE');
    const mode = (options.mode as string | undefined) ?? 'native';
    if (mode !== 'native' && mode !== 'generic') throw new UsageError('E_CLI_BAD_VALUE', `--mode takes native or generic, not "${mode}"`);
    return withControl(input, 'load', async () => {
      const r = await loadRuleset({
        instance: instanceOf(options), files: positionals, ifaces: (options.iface as string[] | undefined) ?? [], mode,
        vars: options.var as string[] | undefined, varFiles: options.vars as string[] | undefined, strict: options.strict === true,
        thresholdConfig: options['threshold-config'] as string | undefined, actionScope: options['action-scope'] as string | undefined,
        actionOrder: options['action-order'] as string | undefined,
        force: options.force === true, mgmt: options.mgmt as string | undefined, mgmtTo: options['mgmt-to'] as string[] | undefined,
        confirmSeconds: positiveNumber(options.confirm, 'confirm'),
      });
      if (json) {
        out(JSON.stringify(loadRecord(r)));
        return EXIT.ok;
      }
      for (const d of r.compiled.result.diagnostics) err(formatDiagnostic(d));
      const s = r.compiled.result.summary;
      out(`${r.instance}: generation ${r.generation.index} active (load #${r.generation.tag}), ${s.loaded} rules` +
        `${s.skipped ? ` (${s.skipped} skipped)` : ''}${r.previous ? `; load #${r.previous.tag} kept for rollback` : ''}${r.created ? '; instance created and pinned' : ''}`);
      for (const i of r.interfaces) out(`  ${i.name}: ${i.attached ? 'attached' : 'already attached'} (${i.mode})`);
      out(r.lockout.forced
        ? `  management access NOT protected (--force): ${r.lockout.violation?.message}`
        : `  management access kept: ${r.lockout.mgmt}`);
      if (r.confirm) out(`  rolls back at ${new Date(r.confirm.deadline).toISOString()} unless \`fwctl confirm${r.instance === DEFAULT_INSTANCE ? '' : ` --instance ${r.instance}`}\` (watchdog pid ${r.confirm.pid})`);
      return EXIT.ok;
    });
  },
};
