// fwctl load: check → plan → lockout → open (or create and pin) → attach → apply (the inactive
// generation, then one flip) → record → confirm. A failure at any step leaves the running
// ruleset enforcing: what this load attached is detached, what it pinned is unpinned, and a
// generation it already flipped to is flipped back. The error names the step.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';

import { activeGeneration, applyRuleset, clearRuleset, type AttachMode, flipGeneration, type GenerationInfo, idleGeneration } from '../datapath/index.ts';
import { ifNameToIndex } from '../native/index.ts';
import { type ClassifierPlan, planRuleset } from '../rules/plan/index.ts';
import { assertNoErrors, compileRuleFiles, type CompiledRuleset } from './compile.ts';
import { startWatchdog } from './confirm.ts';
import { atStep, ControlError } from './errors.ts';
import { ensureDir, readJson, removeDir, unlinkQuiet, writeJsonAtomic } from './files.ts';
import { attachAll, type AttachResult, currentNetns, detachQuiet, interfaceAddresses, parseIfaces } from './iface.ts';
import { dirOf, openOrCreate, readInstance, unpinQuiet, type Where } from './instance.ts';
import { lockInstance } from './lock.ts';
import { checkLockout, type LockoutReport } from './lockout.ts';
import { generationMeta, writeGeneration } from './meta.ts';
import { describeMgmt, mergeMgmt } from './mgmt.ts';
import { ConfirmState, files, type GenRef, type IfaceState, type InstanceState } from './state.ts';

export interface LoadRequest extends Where {
  files: string[];
  /** --iface values (comma lists allowed); none: the instance's attachments stay as they are. */
  ifaces?: string[];
  mode?: AttachMode;
  vars?: string[];
  varFiles?: string[];
  strict?: boolean;
  /** --threshold-config FILE */
  thresholdConfig?: string;
  /** --action-scope flow|suricata */
  actionScope?: string;
  /** --action-order pass,drop,reject,alert (in some order) */
  actionOrder?: string;
  force?: boolean;
  /** --mgmt ADDR[:PORT] and --mgmt-to ADDR,... (stored for the next loads). */
  mgmt?: string;
  mgmtTo?: string[];
  /** --confirm SECS: roll back unless `fwctl confirm` arrives in time. */
  confirmSeconds?: number;
}

export interface LoadReport {
  instance: string;
  created: boolean;
  generation: GenerationInfo;
  previous: GenRef | null;
  compiled: CompiledRuleset;
  plan: ClassifierPlan;
  interfaces: AttachResult[];
  lockout: { mgmt: string; forced: boolean; checked: number; violation: LockoutReport['violation'] };
  confirm: { deadline: number; seconds: number; pid: number } | null;
  timings: Record<string, number>;
}

const ms = (t0: number) => Math.round((performance.now() - t0) * 1000) / 1000;

function genRef(g: GenerationInfo | null): GenRef | null {
  return g ? { index: g.index, tag: g.tag } : null;
}

export function planOf(c: CompiledRuleset): ClassifierPlan {
  try {
    return planRuleset(c.result.rules, { actionScope: c.actionScope, actionOrder: c.actionOrder });
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (err.code) throw new ControlError(err.code, 'plan', 'invalid', `the ruleset cannot be planned: ${err.message}`, {}, { cause: e });
    throw atStep('plan', 'E_PLAN', 'failure', e, 'planning the classifier');
  }
}

export async function loadRuleset(req: LoadRequest): Promise<LoadReport> {
  const timings: Record<string, number> = {};
  const dir = dirOf(req);
  const mode: AttachMode = req.mode ?? 'native';
  const ifaces = parseIfaces(req.ifaces ?? []);
  if (req.confirmSeconds !== undefined && !(req.confirmSeconds > 0 && req.confirmSeconds <= 86400)) {
    throw new ControlError('E_CLI_BAD_VALUE', 'args', 'invalid', `--confirm takes seconds, 1 to 86400, not ${req.confirmSeconds}`);
  }

  let t = performance.now();
  const compiled = await compileRuleFiles(req);
  assertNoErrors(compiled);
  timings.check_ms = ms(t);

  t = performance.now();
  const plan = planOf(compiled);
  timings.plan_ms = ms(t);

  const newDir = !existsSync(dir);
  ensureDir(dir);
  const lock = lockInstance(files.lock(dir));
  let loaded = false;
  try {
    const stored = readInstance(dir);
    const pending = readJson(files.confirm(dir), ConfirmState);
    if (pending) {
      throw new ControlError('E_CONFIRM_PENDING', 'lock', 'invalid',
        `generation ${pending.guarded.index} (load #${pending.guarded.tag}) waits for \`fwctl confirm\` until ${new Date(pending.deadline).toISOString()}; confirm or roll back first`);
    }

    t = performance.now();
    const mgmt = mergeMgmt(stored?.mgmt, req.mgmt, req.mgmtTo);
    const netns = currentNetns();
    const known = [...new Set([...ifaces, ...(stored?.interfaces ?? []).filter((i) => i.netns === netns).map((i) => i.name)])];
    let lockout: LockoutReport;
    try {
      lockout = checkLockout(compiled.result.rules, mgmt, interfaceAddresses(known));
    } catch (e) {
      if (!req.force) throw new ControlError('E_LOCKOUT_CHECK', 'lockout', 'invalid', `${(e as Error).message} (or skip the check with --force)`);
      lockout = { checked: 0, families: [], destinations: [], violation: null };
    }
    if (lockout.violation && !req.force) {
      throw new ControlError('E_LOCKOUT', 'lockout', 'invalid',
        `refused: ${lockout.violation.message}. The management access is ${describeMgmt(mgmt)}; ` +
          'set it with --mgmt ADDR[:PORT] (and --mgmt-to ADDR), or load anyway with --force',
        { violation: lockout.violation, mgmt });
    }
    timings.lockout_ms = ms(t);

    t = performance.now();
    const { dp, created } = openOrCreate(req.instance, plan);
    timings.open_ms = ms(t);
    let attached: AttachResult[] = [];
    try {
      t = performance.now();
      attached = attachAll(dp, ifaces, mode);
      timings.attach_ms = ms(t);

      const before = activeGeneration(dp);
      // applyRuleset writes the generation that is not active. With no ruleset active (a new
      // instance, or after a clear) the idle one, if it holds a ruleset, names it; with neither
      // loaded, 0 is a guess that is corrected (and its file removed) after the apply.
      const idle = before ? null : idleGeneration(dp);
      const expected: 0 | 1 = before ? ((1 - before.index) as 0 | 1) : idle ? idle.index : 0;
      const tag = ((stored?.loads ?? 0) + 1) >>> 0;
      // The metadata is in place before the flip: an EVE writer never meets an unknown generation.
      const meta = generationMeta(compiled, expected, tag, req.force === true && lockout.violation !== null);
      t = performance.now();
      try {
        writeGeneration(dir, meta, compiled);
      } catch (e) {
        throw atStep('record', 'E_STATE_WRITE', 'failure', e, `writing the generation's metadata under ${dir}`);
      }
      let info: GenerationInfo;
      try {
        info = applyRuleset(dp, plan, { tag });
      } catch (e) {
        // The inactive generation may be half written: its metadata must not promise a rollback to it.
        unlinkQuiet(files.gen(dir, expected));
        unlinkQuiet(files.genRules(dir, expected));
        const err = e as { code?: string; step?: string; message?: string };
        const hint = err.code === 'E_APPLY_CAPACITY' ? ' (the maps were sized when the instance was created: `fwctl unload` and load again to size them for this ruleset)' : '';
        throw new ControlError(err.code ?? 'E_APPLY', 'apply', 'failure',
          `applying the ruleset failed${err.step ? ` at ${err.step}` : ''}: ${err.message}${hint}; the running ruleset is unchanged`,
          err.step ? { apply_step: err.step } : {}, { cause: e });
      }
      timings.apply_ms = ms(t);
      const undoFlip = () => {
        try {
          if (before) flipGeneration(dp, before.index);
          else clearRuleset(dp);
        } catch {
          /* reported by the caller's error */
        }
      };
      try {
        if (info.index !== expected) {
          writeGeneration(dir, { ...meta, index: info.index }, compiled);
          unlinkQuiet(files.gen(dir, expected));
          unlinkQuiet(files.genRules(dir, expected));
        }
        const next: InstanceState = {
          version: 1, instance: req.instance, createdAt: stored?.createdAt ?? new Date().toISOString(),
          pinnedByLoad: stored ? stored.pinnedByLoad : created, loads: tag,
          interfaces: mergeIfaces(stored?.interfaces ?? [], attached, netns), mgmt,
        };
        writeJsonAtomic(files.instance(dir), next);
      } catch (e) {
        undoFlip();
        throw atStep('record', 'E_STATE_WRITE', 'failure', e, `recording the load under ${dir}; the previous ruleset is back`);
      }

      let confirm: LoadReport['confirm'] = null;
      if (req.confirmSeconds !== undefined) {
        try {
          const st: ConfirmState = {
            version: 1, token: randomBytes(8).toString('hex'), createdAt: new Date().toISOString(), seconds: req.confirmSeconds,
            deadline: Date.now() + req.confirmSeconds * 1000, guarded: { index: info.index, tag: info.tag }, previous: genRef(before),
            pid: 0, startTime: '',
          };
          writeJsonAtomic(files.confirm(dir), st);
          const w = startWatchdog({ instance: req.instance, root: req.root }, st.token);
          writeJsonAtomic(files.confirm(dir), { ...st, pid: w.pid, startTime: w.startTime });
          confirm = { deadline: st.deadline, seconds: req.confirmSeconds, pid: w.pid };
        } catch (e) {
          unlinkQuiet(files.confirm(dir));
          undoFlip();
          throw atStep('confirm', 'E_CONFIRM_START', 'failure', e, 'starting the confirm watchdog; the previous ruleset is back');
        }
      }
      loaded = true;
      return {
        instance: req.instance, created, generation: info, previous: genRef(before), compiled, plan, interfaces: attached,
        lockout: { mgmt: describeMgmt(mgmt), forced: req.force === true && lockout.violation !== null, checked: lockout.checked, violation: lockout.violation },
        confirm, timings,
      };
    } catch (e) {
      detachQuiet(dp, attached.filter((a) => a.attached));
      if (created) {
        dp.close();
        unpinQuiet(req.instance);
      }
      throw e;
    } finally {
      if (!dp.program.closed) dp.close();
    }
  } finally {
    lock.release();
    // A refused first load leaves no empty state directory behind.
    if (!loaded && newDir && !existsSync(files.instance(dir))) removeDir(dir);
  }
}

function mergeIfaces(old: readonly IfaceState[], attached: readonly AttachResult[], netns: string): IfaceState[] {
  const out = [...old];
  const now = new Date().toISOString();
  for (const a of attached) {
    if (out.some((i) => i.name === a.name && i.netns === netns)) continue;
    out.push({ name: a.name, ifindex: ifindexOf(a.name), mode: a.mode, netns, attachedAt: now });
  }
  return out;
}

function ifindexOf(name: string): number {
  try {
    return ifNameToIndex(name);
  } catch {
    return 0;
  }
}
