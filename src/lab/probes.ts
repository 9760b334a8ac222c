// The probes: what the lab sends through the gateway, one exchange each, over IPv4 and IPv6.
// Pure data. Which outcome a probe should have is not stated here but by the policy that is loaded
// (policy.ts): the same probe is delivered under one policy and dropped under another.
//
// A probe belongs to a phase. Today there is one, "baseline"; the flood and port-scan scenarios
// of issue 5 add phases whose probes run while a generator attacks, so the report can show
// legitimate traffic surviving them.
import type { Family, LabPlan, Role } from './plan.ts';

export type Proto = 'tcp' | 'udp' | 'icmp';

export interface ProbeSpec {
  /** What the probe stands for, e.g. "web". */
  name: string;
  proto: Proto;
  /** Destination port (null for ICMP echo). */
  port: number | null;
  from: Role;
  to: Role;
}

export interface Probe extends ProbeSpec {
  id: number;
  phase: string;
  family: Family;
  src: string;
  dst: string;
  /** Carried in the payload, so the server can say which probe it saw. */
  token: string;
}

/** The baseline exchanges. The services are those rules/demo.rules names: web (tcp/80) and DNS
 *  (udp/53) allowed, telnet (tcp/23) dropped, RDP (tcp/3389) rejected, ICMP echo alerted; then
 *  traffic to the forbidden subnet and from a blocked scanner. */
export const BASELINE: readonly ProbeSpec[] = [
  { name: 'web', proto: 'tcp', port: 80, from: 'client', to: 'server' },
  { name: 'dns', proto: 'udp', port: 53, from: 'client', to: 'server' },
  { name: 'ping', proto: 'icmp', port: null, from: 'client', to: 'server' },
  { name: 'telnet', proto: 'tcp', port: 23, from: 'client', to: 'server' },
  { name: 'rdp', proto: 'tcp', port: 3389, from: 'client', to: 'server' },
  { name: 'web, forbidden subnet', proto: 'tcp', port: 80, from: 'client', to: 'forbidden' },
  { name: 'ping, forbidden subnet', proto: 'icmp', port: null, from: 'client', to: 'forbidden' },
  { name: 'web from scanner', proto: 'tcp', port: 80, from: 'scanner', to: 'server' },
  { name: 'dns from scanner', proto: 'udp', port: 53, from: 'scanner', to: 'server' },
];

/** Every spec over IPv4 then IPv6, numbered from 1. */
export function probesOf(plan: LabPlan, specs: readonly ProbeSpec[] = BASELINE, phase = 'baseline'): Probe[] {
  const out: Probe[] = [];
  for (const spec of specs) {
    for (const family of [4, 6] as const) {
      const id = out.length + 1;
      const pick = (r: Role) => (family === 4 ? plan.hosts[r].v4 : plan.hosts[r].v6);
      out.push({ ...spec, id, phase, family, src: pick(spec.from), dst: pick(spec.to), token: `${plan.name}-${phase}-${id}` });
    }
  }
  return out;
}

/** What the server namespace must listen on for these probes: ports per protocol, and the
 *  addresses (each bound on its own, so a UDP answer leaves from the address that was asked). */
export function listenersFor(plan: LabPlan, probes: readonly Probe[]): { tcp: number[]; udp: number[]; addresses: string[] } {
  const ports = (proto: Proto) => [...new Set(probes.filter((p) => p.proto === proto).map((p) => p.port as number))].sort((a, b) => a - b);
  const addresses = Object.values(plan.hosts).filter((h) => h.netns === plan.netns.server).flatMap((h) => [h.v4, h.v6]);
  return { tcp: ports('tcp'), udp: ports('udp'), addresses };
}

export function describeProbe(p: Pick<Probe, 'src' | 'dst' | 'port' | 'family'>): string {
  const dst = p.port === null ? p.dst : p.family === 6 ? `[${p.dst}]:${p.port}` : `${p.dst}:${p.port}`;
  return `${p.src} → ${dst}`;
}
