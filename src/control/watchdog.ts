// The confirm watchdog: a detached process started by `fwctl load --confirm SECS` (confirm.ts).
//   node --import tsx src/control/watchdog-main.ts INSTANCE TOKEN STATE_ROOT
// It polls confirm.json every 100 ms. Gone, or another token: confirmed (or cancelled by rollback
// or unload) — exit. Deadline reached, or SIGTERM/SIGINT: claim the file (rename) and roll back to
// the generation it names, but only while the guarded generation is still the active one. What it
// did goes to watchdog.log in the state directory. SIGHUP is ignored (it has no terminal).
import { appendFileSync, renameSync } from 'node:fs';

import { readJson, STATE_ROOT, stateDir, unlinkQuiet, writeFileAtomic } from './files.ts';
import { rollback } from './rollback.ts';
import { ConfirmState, files } from './state.ts';

const POLL_MS = 100;

export async function runWatchdog(instance: string, token: string, root: string = STATE_ROOT): Promise<number> {
  const dir = stateDir(instance, root);
  const log = (msg: string) => {
    try {
      appendFileSync(files.watchdogLog(dir), `${new Date().toISOString()} [${process.pid}] ${msg}\n`);
    } catch {
      /* the state directory is gone: unload */
    }
  };
  let expiring: Promise<number> | null = null;
  const expire = (by: 'confirm timeout' | 'watchdog signal'): Promise<number> => {
    expiring ??= (async () => {
      const st = readJson(files.confirm(dir), ConfirmState);
      if (!st || st.token !== token) return 0;
      const claimed = `${files.confirm(dir)}.watchdog-${process.pid}`;
      try {
        renameSync(files.confirm(dir), claimed);
      } catch {
        log('confirmed just in time');
        return 0;
      }
      try {
        const r = rollback({ instance, root, by, guarded: st.guarded, previous: st.previous, token });
        log(r.rolledBack
          ? `${by}: rolled back from load #${r.from?.tag} to ${r.to ? `load #${r.to.tag} (generation ${r.to.index})` : 'no ruleset'}`
          : `${by}: load #${st.guarded.tag} is no longer active; nothing to do`);
        return 0;
      } catch (e) {
        log(`${by}: rollback FAILED: ${(e as Error).message}`);
        return 2;
      } finally {
        unlinkQuiet(claimed);
      }
    })();
    return expiring;
  };
  process.on('SIGHUP', () => {});
  const first = readJson(files.confirm(dir), ConfirmState);
  if (!first || first.token !== token) return 0;
  log(`watching load #${first.guarded.tag}: rolls back at ${new Date(first.deadline).toISOString()} unless confirmed`);
  writeFileAtomic(files.watchdogArmed(dir), token);
  return await new Promise<number>((resolve) => {
    const finish = (p: Promise<number>) => {
      clearInterval(timer);
      void p.then(resolve);
    };
    process.on('SIGTERM', () => finish(expire('watchdog signal')));
    process.on('SIGINT', () => finish(expire('watchdog signal')));
    const timer = setInterval(() => {
      let st: ConfirmState | null;
      try {
        st = readJson(files.confirm(dir), ConfirmState);
      } catch {
        st = null;
      }
      if (!st || st.token !== token) {
        log('confirmed or cancelled; exiting');
        finish(Promise.resolve(0));
      } else if (Date.now() >= st.deadline) finish(expire('confirm timeout'));
    }, POLL_MS);
  });
}
