// Opening an instance: its pinned datapath, its state directory and its instance.json.
import {
  capacityFor, checkInstance, classifierCapacity, Datapath, type DatapathHandle, PinnedDatapath, pinDir, planNeeds,
} from '../datapath/index.ts';
import type { ClassifierPlan } from '../rules/plan/index.ts';
import { atStep, ControlError } from './errors.ts';
import { readJson, stateDir, STATE_ROOT } from './files.ts';
import { files, InstanceState } from './state.ts';

export const DEFAULT_INSTANCE = 'default';

export interface Where {
  instance: string;
  /** The state root (default /run/fwctl; tests use their own). */
  root?: string;
}

export function checkName(instance: string): string {
  try {
    return checkInstance(instance);
  } catch (e) {
    throw new ControlError('E_INSTANCE_NAME', 'args', 'invalid', (e as Error).message);
  }
}

export function dirOf(w: Where): string {
  checkName(w.instance);
  return stateDir(w.instance, w.root ?? STATE_ROOT);
}

export function readInstance(dir: string): InstanceState | null {
  return readJson(files.instance(dir), InstanceState);
}

/** The pinned datapath of an instance; E_INSTANCE_NOT_LOADED (exit 2) when nothing is pinned. */
export function openPinned(instance: string, step: 'open' | 'rollback' | 'unload' | 'status' | 'stats' | 'trace' = 'open'): PinnedDatapath {
  try {
    return PinnedDatapath.open(checkName(instance));
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') {
      throw new ControlError('E_INSTANCE_NOT_LOADED', step, 'failure', `instance "${instance}" is not loaded (nothing pinned at ${pinDir(instance)})`);
    }
    throw atStep(step, 'E_OPEN', 'failure', e, `opening the pins of "${instance}"`);
  }
}

/** True when every map of the plan fits one generation of the datapath's classifier maps. */
function fits(dp: DatapathHandle, plan: ClassifierPlan): boolean {
  const cap = classifierCapacity(dp);
  const need = planNeeds(plan);
  return (Object.keys(need) as Array<keyof typeof need>).every((k) => need[k] <= cap[k]);
}

/**
 * The pinned datapath, or a new one loaded and pinned (`created`). A new one gets the object's
 * default classifier capacity, or twice what `plan` needs when that is more (the maps of a pinned
 * instance keep their size: a much larger ruleset later needs `fwctl unload` and a new load).
 */
export function openOrCreate(instance: string, plan: ClassifierPlan): { dp: DatapathHandle; created: boolean } {
  try {
    return { dp: PinnedDatapath.open(checkName(instance)), created: false };
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') throw atStep('open', 'E_OPEN', 'failure', e, `opening the pins of "${instance}"`);
  }
  let dp: Datapath | undefined;
  try {
    dp = Datapath.open();
    if (!fits(dp, plan)) {
      dp.close();
      dp = Datapath.open({ classifier: capacityFor(plan, 2) });
    }
    dp.pin(instance);
    return { dp, created: true };
  } catch (e) {
    dp?.close();
    throw atStep('open', 'E_OPEN', 'failure', e, `loading and pinning a new datapath for "${instance}"`);
  }
}

/** Removes the pins this load made (the undo of openOrCreate's create). */
export function unpinQuiet(instance: string): void {
  try {
    Datapath.unpin(instance);
  } catch {
    /* nothing more to undo */
  }
}
