// fwctl check FILE... : compile rule files and report every problem with its position, without
// touching the datapath. Exit 0 when there are no errors, 1 when there are.
import { EXIT, UsageError, type Command } from '../command.ts';
import { formatDiagnostic, loadRuleFiles, parseVarAssignments, VarConfigError, type RulesetResult } from '../../rules/index.ts';

function summaryLine(r: RulesetResult): string {
  const s = r.summary;
  const all = Object.entries(s.skippedByKeyword).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = all.slice(0, 12).map(([k, n]) => `${k} ${n}`);
  if (all.length > 12) shown.push(`and ${all.length - 12} more (-o json lists all)`);
  const by = shown.join(', ');
  return (
    `${s.total} rules: ${s.loaded} loaded, ${s.skipped} skipped, ${s.invalid} invalid; ` +
    `${s.errors} error${s.errors === 1 ? '' : 's'}, ${s.warnings} warning${s.warnings === 1 ? '' : 's'}` +
    (by ? `\nskipped by keyword: ${by}` : '')
  );
}

export const checkCommand: Command = {
  name: 'check',
  summary: 'check rule files: parse, resolve variables and validate, reporting every problem',
  usage: 'FILE...',
  options: [
    { name: 'var', type: 'string', multiple: true, arg: 'NAME=VALUE', description: 'define or override a rule variable ($HOME_NET, $HTTP_PORTS, ...)' },
    { name: 'vars', type: 'string', multiple: true, arg: 'FILE', description: 'JSON file of {"address-groups": {...}, "port-groups": {...}}' },
    { name: 'strict', type: 'boolean', description: 'report keywords, protocols and actions fwctl cannot evaluate yet as errors' },
    { name: 'threshold-config', type: 'string', arg: 'FILE', description: "Suricata's threshold.config (threshold, event_filter, suppress, rate_filter) to check and apply" },
  ],
  async run({ options, positionals, out, json }) {
    if (positionals.length === 0) throw new UsageError('E_CLI_MISSING_ARGUMENT', 'check needs at least one rule FILE');
    let result: RulesetResult;
    try {
      const vars = parseVarAssignments((options.var as string[] | undefined) ?? []);
      result = await loadRuleFiles(positionals, {
        vars, varFiles: (options.vars as string[] | undefined) ?? [], strict: options.strict === true,
        thresholdConfig: options['threshold-config'] as string | undefined,
      });
    } catch (e) {
      if (e instanceof VarConfigError) throw new UsageError(e.code, e.message);
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ENOENT' || err.code === 'EISDIR' || err.code === 'EACCES') {
        throw new UsageError('E_CLI_FILE', `cannot read ${err.path ?? 'file'}: ${err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : 'permission denied'}`);
      }
      throw e;
    }
    const s = result.summary;
    if (json) {
      out(
        JSON.stringify({
          rules: s.total,
          loaded: s.loaded,
          skipped: s.skipped,
          invalid: s.invalid,
          errors: s.errors,
          warnings: s.warnings,
          skippedByKeyword: s.skippedByKeyword,
          diagnostics: result.diagnostics,
        }),
      );
    } else {
      for (const d of result.diagnostics) out(formatDiagnostic(d));
      out(summaryLine(result));
    }
    return s.errors > 0 ? EXIT.invalid : EXIT.ok;
  },
};
