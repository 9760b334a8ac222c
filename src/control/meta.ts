// A generation's metadata: built from the compiled ruleset at load, read back by status, stats,
// trace and EVE writers (RuleTable from src/events).
import { createHash } from 'node:crypto';

import { RuleTable } from '../events/index.ts';
import { isDefaultOrder, type Rule } from '../rules/index.ts';
import { band } from '../rules/reference/index.ts';
import type { CompiledRuleset } from './compile.ts';
import { ensureDir, readJson, writeJsonAtomic } from './files.ts';
import { files, GenerationMeta, GenerationSources, type RuleInfo } from './state.ts';

export function ruleInfo(r: Rule): RuleInfo {
  const m = r.meta;
  const info: RuleInfo = {
    id: r.id, sid: m.sid, gid: m.gid, rev: m.rev, msg: m.msg, priority: m.priority, action: r.action, band: band(r),
    file: r.source.file, line: r.source.line,
  };
  if (m.classtype) info.classtype = m.classtype;
  return info;
}

export function generationMeta(c: CompiledRuleset, index: 0 | 1, tag: number, forced: boolean): GenerationMeta {
  const byAction: Record<string, number> = {};
  for (const r of c.result.rules) byAction[r.action] = (byAction[r.action] ?? 0) + 1;
  const s = c.result.summary;
  return {
    version: 1, index, tag, loadedAt: new Date().toISOString(),
    files: c.sources.map((x) => ({ path: x.path, sha256: createHash('sha256').update(x.text).digest('hex'), bytes: Buffer.byteLength(x.text) })),
    hash: c.hash, strict: c.strict, forced, actionScope: c.actionScope, actionOrder: [...c.actionOrder],
    summary: { total: s.total, loaded: s.loaded, skipped: s.skipped, invalid: s.invalid, errors: s.errors, warnings: s.warnings },
    byAction, rules: c.result.rules.map(ruleInfo),
  };
}

/** Writes gen-N.json and gen-N.rules.json (each atomically). */
export function writeGeneration(dir: string, meta: GenerationMeta, c: CompiledRuleset): void {
  ensureDir(dir);
  const sources: GenerationSources = {
    version: 1, hash: c.hash, strict: c.strict, vars: c.vars, sources: c.sources.map((s) => ({ file: s.file, text: s.text })),
    ...(c.thresholdConfig ? { thresholdConfig: c.thresholdConfig } : {}),
    ...(c.actionScope !== 'flow' ? { actionScope: c.actionScope } : {}),
    ...(!isDefaultOrder(c.actionOrder) ? { actionOrder: [...c.actionOrder] } : {}),
  };
  writeJsonAtomic(files.genRules(dir, meta.index), sources);
  writeJsonAtomic(files.gen(dir, meta.index), meta);
}

export function readGeneration(dir: string, index: 0 | 1): GenerationMeta | null {
  return readJson(files.gen(dir, index), GenerationMeta);
}

export function readGenerationSources(dir: string, index: 0 | 1): GenerationSources | null {
  return readJson(files.genRules(dir, index), GenerationSources);
}

/** The EVE rule table of a stored generation (src/events RuleTable: by rule index, then sid). */
export function ruleTableOf(meta: GenerationMeta): RuleTable {
  return RuleTable.fromRules(meta.rules.map((r) => ({
    id: r.id,
    meta: { sid: r.sid, gid: r.gid, rev: r.rev, msg: r.msg, classtype: r.classtype, priority: r.priority, references: [], metadata: [] },
  })));
}
