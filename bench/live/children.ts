// The benchmark's child processes: the receiver agent (JSON lines, one per measurement) and the
// generator (one run). Both run under `nsenter --net` (not `ip netns exec`, which remounts /sys);
// every child is recorded so that an interrupted run can stop exactly the processes it started.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import type { EngineCounts, EngineName, EngineSetup } from './engines.ts';
import type { GenJob, GenResult } from './gen-child.ts';
import { nsenterArgs } from './netns.ts';
import { SYSTEM_ENV } from './tools.ts';

/** Children alive now, by pid: killed by pid on an abnormal exit. */
export const liveChildren = new Set<ChildProcess>();

function tsArgv(file: string): string[] {
  return [process.execPath, '--import', import.meta.resolve('tsx'), fileURLToPath(new URL(file, import.meta.url))];
}

function track(child: ChildProcess): ChildProcess {
  liveChildren.add(child);
  child.on('exit', () => liveChildren.delete(child));
  return child;
}

/** Kills every child still running (SIGKILL, by pid). */
export function killChildren(): void {
  for (const c of liveChildren) {
    if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) {
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

type Reply = { ok: true; setup?: EngineSetup; counts?: { dropped: string; byLast: string; passed: string; perRule?: string[] } } | { ok: false; error: string };

export class ReceiverAgent {
  readonly #child: ChildProcess;
  readonly #lines: Interface;
  readonly #queue: Array<(r: Reply) => void> = [];
  #stderr = '';
  #exited: Promise<number | null>;

  constructor(netns: string) {
    const [cmd, ...args] = [...nsenterArgs(netns), ...tsArgv('./recv-agent.ts')];
    this.#child = track(spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: SYSTEM_ENV }));
    this.#child.stderr!.on('data', (d) => { this.#stderr += d; });
    this.#lines = createInterface({ input: this.#child.stdout! });
    this.#lines.on('line', (line) => {
      const waiter = this.#queue.shift();
      waiter?.(JSON.parse(line) as Reply);
    });
    this.#exited = new Promise((resolve) => this.#child.on('close', (code) => {
      for (const w of this.#queue.splice(0)) w({ ok: false, error: `receiver agent exited (${code}): ${this.#stderr.trim()}` });
      resolve(code);
    }));
  }

  #ask(msg: unknown, timeoutMs: number): Promise<Reply> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ ok: false, error: `receiver agent: no answer in ${timeoutMs} ms` }), timeoutMs);
      this.#queue.push((r) => { clearTimeout(timer); resolve(r); });
      this.#child.stdin!.write(`${JSON.stringify(msg)}\n`);
    });
  }

  async setup(engine: EngineName, ifname: string, rules: string[]): Promise<EngineSetup> {
    const r = await this.#ask({ engine, ifname, rules }, 120_000);
    if (!r.ok) throw new Error(`${engine}: ${r.error}`);
    return r.setup!;
  }

  async read(): Promise<EngineCounts> {
    const r = await this.#ask({ op: 'read' }, 30_000);
    if (!r.ok) throw new Error(r.error);
    const c = r.counts!;
    return {
      dropped: BigInt(c.dropped), byLast: BigInt(c.byLast), passed: BigInt(c.passed),
      ...(c.perRule ? { perRule: c.perRule.map((x) => BigInt(x)) } : {}),
    };
  }

  /** Closes stdin (the agent tears its engine down and exits); kills it after a timeout. */
  async close(timeoutMs = 30_000): Promise<void> {
    this.#child.stdin!.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
    const code = await this.#exited;
    clearTimeout(timer);
    if (code !== 0) throw new Error(`receiver agent exited ${code}: ${this.#stderr.trim()}`);
  }
}

/** Runs the generator in `netns`, pinned to `cpu`, and returns what it sent. */
export function runGenerator(netns: string, cpu: number, job: GenJob): Promise<GenResult> {
  const [cmd, ...args] = ['taskset', '-c', String(cpu), ...nsenterArgs(netns), ...tsArgv('./gen-child.ts')];
  return new Promise((resolve, reject) => {
    const child = track(spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: SYSTEM_ENV }));
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => { out += d; });
    child.stderr!.on('data', (d) => { err += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), (job.seconds + 60) * 1000);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(out) as GenResult);
      else reject(new Error(`generator: ${signal ? `killed (${signal})` : `exit ${code}`}: ${err.trim()}`));
    });
    child.stdin!.end(JSON.stringify(job));
  });
}
