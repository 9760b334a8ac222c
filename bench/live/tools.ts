// System tools (ip, nft, iptables-*, ethtool, taskset, nsenter) are run with a PATH that has no
// node_modules/.bin in it: under `npx`, `nft` would otherwise be @vercel/nft's CLI.
import { execFileSync } from 'node:child_process';

export const SYSTEM_PATH = [...(process.env.PATH ?? '').split(':').filter((d) => d && !d.includes('node_modules')),
  '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].filter((d, i, a) => a.indexOf(d) === i).join(':');

/** The environment for every child: this one with SYSTEM_PATH. */
export const SYSTEM_ENV: NodeJS.ProcessEnv = { ...process.env, PATH: SYSTEM_PATH };

/** Runs a tool to completion and returns its stdout; a failure names the command and its stderr. */
export function run(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): string {
  try {
    return execFileSync(cmd, args, {
      input: opts.input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], timeout: opts.timeoutMs ?? 60_000, maxBuffer: 256 << 20, env: SYSTEM_ENV,
    });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${(err.stderr ?? '').trim().slice(0, 2000) || err.message}`);
  }
}

/** Whether a tool is on SYSTEM_PATH. */
export function haveTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v "$0"`, name], { stdio: 'ignore', env: SYSTEM_ENV });
    return true;
  } catch {
    return false;
  }
}
