// The lab's report: one JSON-able object (`fwctl lab -o json` prints it as one line) and its text
// rendering. It only states what was observed: the client agent's outcomes, the server agent's
// sightings, and the gateway's counters read from the pinned maps.
import type { ReasonLabel } from '../abi/index.ts';
import type { ReasonCounters } from '../datapath/index.ts';
import { type CleanupReport, cleanupLine } from './cleanup.ts';
import type { LabPlan } from './plan.ts';
import type { SetHits } from './policy.ts';
import { renderScan, type ScanReport } from './scan.ts';
import { type FloodReport, renderFlood } from './flood.ts';
import { describeProbe } from './probes.ts';
import type { Attachment } from './state.ts';
import type { ProbeResult } from './traffic.ts';

export interface ProbeRecord {
  id: number;
  phase: string;
  name: string;
  proto: string;
  family: 'ipv4' | 'ipv6';
  src: string;
  dst: string;
  port: number | null;
  expected: string;
  expected_reason: string;
  why: string;
  observed: string;
  detail: string;
  ms: number;
  server_saw: boolean | null;
  gateway: Partial<Record<ReasonLabel, number>>;
  ok: boolean;
}

export interface LabReport {
  event_type: 'lab';
  lab: string;
  mode: string;
  topology: {
    namespaces: LabPlan['netns'];
    hosts: Array<{ role: string; netns: string; ipv4: string; ipv6: string; note: string }>;
    xdp: Attachment[];
    forwarding: { ipv4: boolean; ipv6: boolean } | null;
  };
  policy: { name: string; summary: string[] } | null;
  probes: ProbeRecord[];
  /** The port-scan phase (scan.ts): the scan, the block it ended in, the detector's counters. */
  scan: ScanReport | null;
  /** The SYN-flood phase (flood.ts): legitimate web requests through a spoofed SYN flood. */
  flood: FloodReport | null;
  /** The gateway datapath's counters (both interfaces, since it was loaded), non-zero reasons. */
  counters: Partial<Record<ReasonLabel, { packets: number; bytes: number }>>;
  address_sets: SetHits | null;
  summary: { probes: number; as_expected: number; unexpected: number[] };
  kept: boolean;
  cleanup: CleanupReport | null;
  error: { code: string; message: string } | null;
  ok: boolean;
}

export function probeRecord(r: ProbeResult): ProbeRecord {
  const p = r.probe;
  return {
    id: p.id, phase: p.phase, name: p.name, proto: p.proto, family: p.family === 4 ? 'ipv4' : 'ipv6', src: p.src, dst: p.dst,
    port: p.port, expected: r.expected.outcome, expected_reason: r.expected.reason, why: r.expected.why, observed: r.observed,
    detail: r.detail, ms: r.ms, server_saw: r.serverSaw, gateway: r.gateway, ok: r.outcomeOk && r.datapathOk,
  };
}

export function countersRecord(c: ReasonCounters): LabReport['counters'] {
  const out: LabReport['counters'] = {};
  for (const [k, v] of Object.entries(c) as Array<[ReasonLabel, { packets: bigint; bytes: bigint }]>) {
    if (v.packets !== 0n) out[k] = { packets: Number(v.packets), bytes: Number(v.bytes) };
  }
  return out;
}

function table(head: string[], rows: string[][]): string[] {
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(width[i]))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)];
}

const reasons = (g: Partial<Record<string, number>>) => Object.entries(g).map(([k, n]) => `${k} ${n}`).join(', ') || '-';

export function renderText(r: LabReport): string[] {
  const out: string[] = [];
  const t = r.topology;
  out.push(`fwctl lab ${r.lab}: client ${t.namespaces.client} ── gateway ${t.namespaces.gateway} ── server ${t.namespaces.server}`);
  for (const h of t.hosts) out.push(`  ${h.role.padEnd(9)} ${h.ipv4.padEnd(12)} ${h.ipv6.padEnd(15)} ${h.note}`);
  if (t.forwarding) out.push(`  gateway forwarding: IPv4 ${t.forwarding.ipv4 ? 'on' : 'OFF'}, IPv6 ${t.forwarding.ipv6 ? 'on' : 'OFF'} (inside ${t.namespaces.gateway} only)`);
  for (const a of t.xdp) out.push(`  XDP ${a.mode}: ${a.ifname} in ${a.netns}, program ${a.progId} (${a.instance === r.lab ? 'the firewall' : 'pass-through, so XDP_TX answers reach the end'})`);
  if (r.policy) {
    out.push('', `policy: ${r.policy.name}`);
    for (const l of r.policy.summary) out.push(`  ${l}`);
  }
  if (r.probes.length > 0) {
    out.push('');
    out.push(...table(
      ['#', 'probe', 'proto', 'from → to', 'expected', 'observed', 'server', 'gateway counted (packets)', ''],
      r.probes.map((p) => [
        String(p.id), p.name, `${p.proto}/${p.family === 'ipv4' ? 'v4' : 'v6'}`,
        describeProbe({ src: p.src, dst: p.dst, port: p.port, family: p.family === 'ipv4' ? 4 : 6 }),
        p.expected, p.observed, p.server_saw === null ? '-' : p.server_saw ? 'saw it' : 'nothing', reasons(p.gateway),
        p.ok ? 'ok' : `UNEXPECTED (expected ${p.expected_reason}: ${p.why})`,
      ]),
    ));
  }
  if (r.scan) out.push(...renderScan(r.scan));
  if (r.flood) out.push(...renderFlood(r.flood));
  if (Object.keys(r.counters).length > 0) {
    out.push('', `gateway counters by reason (pinned fw_reason_stats, both interfaces, since load):`);
    out.push(...table(['reason', 'packets', 'bytes'], Object.entries(r.counters).map(([k, c]) => [k, String(c!.packets), String(c!.bytes)])).map((l) => `  ${l}`));
  }
  if (r.address_sets) {
    const s = r.address_sets;
    const denied = r.counters.deny_list?.packets ?? 0;
    out.push('', 'address sets:');
    out.push(`  deny list: ${s.deny.v4} IPv4 + ${s.deny.v6} IPv6 prefixes, ${denied} packets dropped (deny_list)`);
    for (const b of s.block) {
      out.push(`  block ${b.prefix}: ${b.hits} packets dropped, ${b.remainingMs === null ? 'no expiry' : `expires in ${Math.round(b.remainingMs / 1000)} s`} (${b.reason})`);
    }
  }
  if (r.probes.length > 0) {
    const u = r.summary.unexpected;
    out.push('', `${r.summary.probes} probes: ${r.summary.as_expected} as expected${u.length ? `, UNEXPECTED: #${u.join(', #')}` : ''}`);
  }
  if (r.error) out.push(`error: ${r.error.message} (${r.error.code})`);
  if (r.kept) {
    out.push(
      `kept: lab ${r.lab} is still up. Try:`,
      `  nsenter --net=/run/netns/${t.namespaces.client} ping -c 1 ${r.topology.hosts.find((h) => h.role === 'server')?.ipv4 ?? ''}`,
      `  fwctl block list --instance ${r.lab}`,
      `remove it with: fwctl lab --cleanup ${r.lab}`,
    );
  }
  if (r.cleanup) out.push(cleanupLine(r.cleanup));
  return out;
}
