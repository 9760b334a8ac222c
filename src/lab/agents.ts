// The lab's end of its agents (agent-client.ts, agent-server.ts): child processes inside the
// client and server namespaces that talk JSON lines on stdin/stdout. Every wait is bounded.
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

import { LabError, spawnIn, tsNode } from './sh.ts';

type Message = Record<string, unknown>;

export class Agent {
  readonly name: string;
  readonly child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  readonly #exited: Promise<number | null>;
  #onEvent: (m: Message) => void = () => {};
  #ready: { resolve: () => void; reject: (e: Error) => void } | null = null;

  private constructor(name: string, child: ChildProcess) {
    this.name = name;
    this.child = child;
    this.#exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    child.on('exit', (code, signal) => {
      const err = new LabError('E_LAB_AGENT', `the ${name} agent exited (${signal ?? code})`);
      for (const p of this.#pending.values()) {
        clearTimeout(p.timer);
        p.reject(err);
      }
      this.#pending.clear();
      this.#ready?.reject(err);
    });
    child.stdin?.on('error', () => {}); // EPIPE after the child died: reported by 'exit'
    createInterface({ input: child.stdout! }).on('line', (line) => this.#line(line));
  }

  #line(line: string): void {
    let m: Message;
    try {
      m = JSON.parse(line) as Message;
    } catch {
      return; // not ours (a tool's chatter)
    }
    if (m.event === 'ready') this.#ready?.resolve();
    else if (m.event === 'failed') this.#ready?.reject(new LabError('E_LAB_AGENT', `the ${this.name} agent failed: ${String(m.error)}`));
    else if (typeof m.id === 'number' && this.#pending.has(m.id)) {
      const p = this.#pending.get(m.id)!;
      this.#pending.delete(m.id);
      clearTimeout(p.timer);
      p.resolve(m);
    } else this.#onEvent(m);
  }

  /** Starts `file` (a lab agent) inside `netns` and waits for its "ready". */
  static async start(name: string, netns: string, file: string, config: object, onEvent?: (m: Message) => void, readyMs = 15_000): Promise<Agent> {
    const agent = new Agent(name, spawnIn(netns, tsNode(file, JSON.stringify(config))));
    if (onEvent) agent.#onEvent = onEvent;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new LabError('E_LAB_AGENT', `the ${name} agent was not ready in ${readyMs} ms`)), readyMs);
        agent.#ready = {
          resolve: () => { clearTimeout(timer); resolve(); },
          reject: (e) => { clearTimeout(timer); reject(e); },
        };
      });
    } catch (e) {
      await agent.stop();
      throw e;
    } finally {
      agent.#ready = null;
    }
    return agent;
  }

  /** Sends a request with `id` and waits for the answer with the same id. */
  request(msg: Message & { id: number }, timeoutMs: number): Promise<Message> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(msg.id);
        reject(new LabError('E_LAB_AGENT', `the ${this.name} agent did not answer request ${msg.id} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(msg.id, { resolve, reject, timer });
      this.child.stdin!.write(JSON.stringify(msg) + '\n');
    });
  }

  /** Closes its stdin (it exits on that), then kills it if it has not exited within `graceMs`. */
  async stop(graceMs = 2000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }
}
