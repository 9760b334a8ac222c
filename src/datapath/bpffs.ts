// The BPF filesystem and fwctl's pin layout: /sys/fs/bpf/fwctl/<instance>/<map or program name>.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const BPFFS_ROOT = '/sys/fs/bpf';

/** True when a bpf filesystem is mounted exactly at `root`. */
export function bpffsMounted(root = BPFFS_ROOT): boolean {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .some((line) => {
      const [, mountPoint, type] = line.split(' ');
      return mountPoint === root && type === 'bpf';
    });
}

/** Mounts bpffs at `root` when it is missing (systemd does this on a gateway; a bare machine or a
 *  container may not). Returns true when it mounted. Needs CAP_SYS_ADMIN. */
export function ensureBpffs(root = BPFFS_ROOT): boolean {
  if (bpffsMounted(root)) return false;
  mkdirSync(root, { recursive: true });
  execFileSync('mount', ['-t', 'bpf', 'bpf', root], { stdio: ['ignore', 'ignore', 'pipe'] });
  return true;
}

const INSTANCE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/** An instance name is one path component: letters, digits, `_ . -`, at most 64, not starting with a dot. */
export function checkInstance(instance: string): string {
  if (!INSTANCE.test(instance)) {
    throw new TypeError(`instance name ${JSON.stringify(instance)} must match ${INSTANCE.source}`);
  }
  return instance;
}

/** The pin directory of an instance. */
export function pinDir(instance: string, root = BPFFS_ROOT): string {
  return join(root, 'fwctl', checkInstance(instance));
}
