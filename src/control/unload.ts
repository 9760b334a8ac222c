// fwctl unload: undo what `fwctl load` made for an instance, and only that. Cancels a pending
// confirm, detaches the program from the interfaces load attached (only where it is still ours),
// removes the pins if load made them (otherwise clears the ruleset it loaded), and removes the
// state directory.
import { clearRuleset, Datapath } from '../datapath/index.ts';
import { removeSynproxy } from '../synproxy/index.ts';
import { cancelConfirm } from './confirm.ts';
import { atStep, ControlError } from './errors.ts';
import { removeDir } from './files.ts';
import { currentNetns, type DetachResult, detachRecorded } from './iface.ts';
import { dirOf, openPinned, readInstance, type Where } from './instance.ts';
import { lockInstance } from './lock.ts';
import { files } from './state.ts';

export interface UnloadReport {
  instance: string;
  interfaces: DetachResult[];
  /** Pins removed (load made them), or null when they were kept (someone else pinned the instance). */
  unpinned: string[] | null;
  /** The ruleset was cleared (pins kept). */
  cleared: boolean;
  cancelledConfirm: boolean;
}

export function unload(w: Where): UnloadReport {
  const dir = dirOf(w);
  const st = readInstance(dir);
  if (!st) {
    throw new ControlError('E_NOT_LOADED_BY_FWCTL', 'unload', 'invalid',
      `instance "${w.instance}" was not loaded by \`fwctl load\` (no ${files.instance(dir)}); nothing to unload`);
  }
  const here = currentNetns();
  const elsewhere = st.interfaces.filter((i) => i.netns !== here);
  if (elsewhere.length > 0) {
    throw new ControlError('E_IFACE_OTHER_NETNS', 'unload', 'invalid',
      `${elsewhere.map((i) => i.name).join(', ')} ${elsewhere.length === 1 ? 'was' : 'were'} attached in another network namespace (${elsewhere[0].netns}); run unload there`);
  }
  const lock = lockInstance(files.lock(dir));
  let interfaces: DetachResult[] = [];
  let unpinned: string[] | null = null;
  let cleared = false;
  let cancelled = false;
  try {
    cancelled = cancelConfirm(dir, 'unload') !== null;
    let dp;
    try {
      dp = openPinned(w.instance, 'unload');
    } catch (e) {
      if ((e as ControlError).code !== 'E_INSTANCE_NOT_LOADED') throw e;
      dp = null; // the pins are gone already (reboot of bpffs, or removed by hand): only state is left
    }
    if (dp) {
      try {
        interfaces = st.interfaces.map((i) => detachRecorded(dp, i));
        removeSynproxy(dp, w.instance); // `fwctl synproxy`'s services and nftables table, if any
        if (!st.pinnedByLoad) {
          try {
            clearRuleset(dp);
          } catch (e) {
            throw atStep('unload', 'E_CLEAR', 'failure', e, 'clearing the ruleset');
          }
          cleared = true;
        }
      } finally {
        dp.close();
      }
      if (st.pinnedByLoad) {
        try {
          unpinned = Datapath.unpin(w.instance);
        } catch (e) {
          throw atStep('unload', 'E_UNPIN', 'failure', e, 'removing the pins');
        }
      }
    }
  } finally {
    lock.release();
  }
  removeDir(dir);
  return { instance: w.instance, interfaces, unpinned, cleared, cancelledConfirm: cancelled };
}
