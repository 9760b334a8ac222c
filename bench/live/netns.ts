// The benchmark's network namespaces: one fresh pair per measurement (so no engine inherits the
// hooks or tables of another), joined by one veth pair created directly inside them. Names carry
// the pid; everything created is recorded and removed by exact name, never by pattern.
import { run as sh } from './tools.ts';

export interface End {
  netns: string;
  ifname: string;
  mac: string;
}

export interface Pair {
  sender: End;
  receiver: End;
}

export function nsenterArgs(netns: string): string[] {
  return ['nsenter', `--net=/run/netns/${netns}`, '--'];
}

export class Namespaces {
  readonly prefix: string;
  /** Namespaces this process created and has not deleted yet. */
  readonly live = new Set<string>();
  #next = 0;

  constructor(prefix = `fwb${process.pid}`) {
    this.prefix = prefix;
  }

  /** Two new namespaces and a veth between them: up, no IPv6 link-local (no ND/MLD chatter), GRO
   *  off on the receiver (no coalescing: the stack sees every frame as one packet). */
  createPair(): Pair {
    const k = this.#next++;
    const sender: End = { netns: `${this.prefix}-${k}s`, ifname: `${this.prefix}s`, mac: '' };
    const receiver: End = { netns: `${this.prefix}-${k}r`, ifname: `${this.prefix}r`, mac: '' };
    for (const ns of [sender.netns, receiver.netns]) {
      sh('ip', ['netns', 'add', ns]); // fails (EEXIST) rather than reuse a namespace we did not make
      this.live.add(ns);
    }
    sh('ip', ['link', 'add', sender.ifname, 'netns', sender.netns, 'type', 'veth', 'peer', 'name', receiver.ifname, 'netns', receiver.netns]);
    for (const end of [sender, receiver]) {
      sh('ip', ['-n', end.netns, 'link', 'set', end.ifname, 'addrgenmode', 'none']);
      sh('ip', ['-n', end.netns, 'link', 'set', end.ifname, 'up']);
      const info = JSON.parse(sh('ip', ['-n', end.netns, '-j', 'link', 'show', end.ifname])) as Array<{ address: string }>;
      end.mac = info[0].address;
    }
    sh('nsenter', [...nsenterArgs(receiver.netns).slice(1), 'ethtool', '-K', receiver.ifname, 'gro', 'off']);
    return { sender, receiver };
  }

  /** Receive-side packet counters of an interface (ip -s: what reached the device). */
  rxPackets(end: End): bigint {
    const info = JSON.parse(sh('ip', ['-n', end.netns, '-s', '-j', 'link', 'show', end.ifname])) as Array<{ stats64?: { rx?: { packets: number } } }>;
    return BigInt(info[0].stats64?.rx?.packets ?? 0);
  }

  delete(netns: string): void {
    if (!this.live.has(netns)) return;
    sh('ip', ['netns', 'del', netns]);
    this.live.delete(netns);
  }

  deletePair(p: Pair): void {
    this.delete(p.sender.netns);
    this.delete(p.receiver.netns);
  }

  /** Deletes every namespace still recorded; returns the ones that could not be deleted. Never throws. */
  deleteAll(): string[] {
    const failed: string[] = [];
    for (const ns of [...this.live]) {
      try {
        this.delete(ns);
      } catch {
        failed.push(ns);
      }
    }
    return failed;
  }
}
