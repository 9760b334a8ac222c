// The lab's names and addresses, derived from one name (`fwl<pid>`): pure, no I/O.
//
//   client ns <name>c                 gateway ns <name>g                      server ns <name>s
//   <name>cg ──────── veth ──────── <name>gc   (XDP)   <name>gs ──────── veth ──────── <name>sg
//   198.18.1.2   client              198.18.1.1        198.18.2.1              198.18.2.2  server
//   198.18.1.66  scanner (blocked)                     198.18.3.1              198.18.3.2  forbidden
//   198.18.1.77  prober (scans in the scan phase)
//
// Addresses only from 198.18.0.0/15 and 2001:2::/48 (benchmarking ranges). Every name the lab
// creates starts with the lab name, so cleanup can check a name is the lab's before removing it.

/** A lab name: "fwl" and digits (the pid of the process that built it). */
export const LAB_NAME = /^fwl[0-9]{1,10}$/;

export type Family = 4 | 6;
export type Role = 'client' | 'scanner' | 'prober' | 'server' | 'forbidden';

export interface HostAddr {
  role: Role;
  /** The namespace the address lives in. */
  netns: string;
  v4: string;
  v6: string;
  /** What the role is for, shown in the report. */
  note: string;
}

export interface Link {
  /** Namespace and interface at each end; `gw` is the gateway's end. */
  end: { netns: string; ifname: string; v4: string[]; v6: string[] };
  gw: { netns: string; ifname: string; v4: string[]; v6: string[] };
}

export interface LabPlan {
  name: string;
  /** The pinned instance of the gateway's datapath (/sys/fs/bpf/fwctl/<instance>/). */
  instance: string;
  /** The pinned instance of the pass-through program on the client and server ends. */
  endsInstance: string;
  netns: { client: string; gateway: string; server: string };
  links: { client: Link; server: Link };
  hosts: Record<Role, HostAddr>;
  /** Next hops the ends route through (the gateway's addresses on their link). */
  gatewayVia: { client: { v4: string; v6: string }; server: { v4: string; v6: string } };
  /** Address-set policy applied today (see policy.ts). */
  sets: {
    deny: { prefixes: string[]; why: string };
    block: { prefixes: string[]; ttlMs: number; why: string };
  };
}

export function checkLabName(name: string): string {
  if (!LAB_NAME.test(name)) throw new TypeError(`lab name ${JSON.stringify(name)} must match ${LAB_NAME.source}`);
  return name;
}

export function labNameFor(pid: number = process.pid): string {
  return checkLabName(`fwl${pid}`);
}

/** Every object of the lab, named after `name`. Interface names stay within IFNAMSIZ (15). */
export function labPlan(name: string): LabPlan {
  checkLabName(name);
  const netns = { client: `${name}c`, gateway: `${name}g`, server: `${name}s` };
  const hosts: Record<Role, HostAddr> = {
    client: { role: 'client', netns: netns.client, v4: '198.18.1.2', v6: '2001:2:0:1::2', note: 'a legitimate client' },
    scanner: { role: 'scanner', netns: netns.client, v4: '198.18.1.66', v6: '2001:2:0:1::66', note: 'a known scanner (dynamic block)' },
    prober: { role: 'prober', netns: netns.client, v4: '198.18.1.77', v6: '2001:2:0:1::77', note: 'scans ports in the scan phase (blocked automatically)' },
    server: { role: 'server', netns: netns.server, v4: '198.18.2.2', v6: '2001:2:0:2::2', note: 'the service host' },
    forbidden: { role: 'forbidden', netns: netns.server, v4: '198.18.3.2', v6: '2001:2:0:3::2', note: 'a host in the forbidden subnet (deny list)' },
  };
  return {
    name,
    instance: name,
    endsInstance: `${name}-ends`,
    netns,
    links: {
      client: {
        end: { netns: netns.client, ifname: `${name}cg`, v4: ['198.18.1.2/24', '198.18.1.66/24', '198.18.1.77/24'], v6: ['2001:2:0:1::2/64', '2001:2:0:1::66/64', '2001:2:0:1::77/64'] },
        gw: { netns: netns.gateway, ifname: `${name}gc`, v4: ['198.18.1.1/24'], v6: ['2001:2:0:1::1/64'] },
      },
      server: {
        end: { netns: netns.server, ifname: `${name}sg`, v4: ['198.18.2.2/24', '198.18.3.2/24'], v6: ['2001:2:0:2::2/64', '2001:2:0:3::2/64'] },
        gw: { netns: netns.gateway, ifname: `${name}gs`, v4: ['198.18.2.1/24', '198.18.3.1/24'], v6: ['2001:2:0:2::1/64', '2001:2:0:3::1/64'] },
      },
    },
    hosts,
    gatewayVia: { client: { v4: '198.18.1.1', v6: '2001:2:0:1::1' }, server: { v4: '198.18.2.1', v6: '2001:2:0:2::1' } },
    sets: {
      deny: { prefixes: ['198.18.3.0/24', '2001:2:0:3::/64'], why: 'forbidden subnet' },
      block: { prefixes: ['198.18.1.66/32', '2001:2:0:1::66/128'], ttlMs: 10 * 60_000, why: 'lab: known scanner' },
    },
  };
}

/** True when `name` is one the lab `lab` would create: the lab name, then nothing or a suffix
 *  that starts with a letter or '-' (so lab fwl12 never claims fwl123c). */
export function ownedBy(lab: string, name: string): boolean {
  return name.startsWith(lab) && /^(?:[a-z-][a-z0-9-]{0,7})?$/.test(name.slice(lab.length));
}
