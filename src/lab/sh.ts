// Running tools: iproute2 synchronously, and child processes inside a namespace. Children enter a
// namespace with `nsenter --net=/run/netns/NAME`, not `ip netns exec`, which remounts /sys and
// hides the pins under /sys/fs/bpf.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export class LabError extends Error {
  readonly code: string;
  constructor(code: string, message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'LabError';
    this.code = code;
  }
}

/** Runs a tool, returns its stdout; a failure says which command and what it printed. */
export function sh(cmd: string, args: string[], timeoutMs = 10_000): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const detail = (err.stderr ?? '').trim() || err.message;
    throw new LabError('E_LAB_COMMAND', `${cmd} ${args.join(' ')}: ${detail}`, { cause: e });
  }
}

export const ip = (...args: string[]): string => sh('ip', args);
export const ipn = (netns: string, ...args: string[]): string => sh('ip', ['-n', netns, ...args]);

export function netnsPath(netns: string): string {
  return `/run/netns/${netns}`;
}

/** argv prefix that runs a command inside a namespace (network only; /sys stays the host's). */
export function inNetns(netns: string): string[] {
  return ['nsenter', `--net=${netnsPath(netns)}`, '--'];
}

/** argv that runs one of the lab's TypeScript files with this Node and the tsx loader (resolved
 *  from here, so the working directory does not matter), as bin/fwctl.mjs runs fwctl. */
export function tsNode(file: string, ...args: string[]): string[] {
  return [process.execPath, '--import', import.meta.resolve('tsx'), fileURLToPath(new URL(file, import.meta.url)), ...args];
}

/** Spawns argv inside `netns`: stdin, stdout piped, stderr inherited. In its own process group,
 *  so a terminal's Ctrl-C reaches only the lab, which then stops its children in order. */
export function spawnIn(netns: string, argv: string[]): ChildProcess {
  const [cmd, ...args] = [...inNetns(netns), ...argv];
  return spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'], detached: true });
}

/** Runs argv inside `netns` to completion; resolves with stdout, rejects on a non-zero exit or a
 *  timeout (the child is killed). */
export function runIn(netns: string, argv: string[], timeoutMs = 20_000): Promise<string> {
  const [cmd, ...args] = [...inNetns(netns), ...argv];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true }); // as spawnIn
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new LabError('E_LAB_COMMAND', `in ${netns}: ${argv.join(' ')}: ${signal ? `killed (${signal})` : `exit ${code}`}: ${err.trim()}`));
    });
  });
}
