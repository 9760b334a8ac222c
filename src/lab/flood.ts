// The SYN-flood phase (issue 5): the server's web service is protected (`fwctl synproxy add
// ... --mode auto`, run in the gateway namespace: XDP SYN cookies in front of nftables SYNPROXY),
// a live-frames generator in the client namespace floods it with SYNs from random spoofed sources
// in 198.19.0.0/16 through the client's veth, and the legitimate client makes web requests before
// and during the flood. Everything reported is observed: the client agent's outcomes, the
// gateway's reason counters and the SYN-cookie counters read from the pinned maps, the gateway's
// conntrack count.
import { fileURLToPath } from 'node:url';

import type { ReasonLabel, ScStatName } from '../abi/index.ts';
import { openInstance } from '../addrset/index.ts';
import { diffReasonCounters, type ReasonCounters } from '../datapath/index.ts';
import { readScStats, serviceList } from '../synproxy/index.ts';
import type { Agent } from './agents.ts';
import type { LabPlan } from './plan.ts';
import { ipn, runIn, sh } from './sh.ts';

/** The phase: a flood of `pps` for `seconds`; cookie mode past `threshold` half-open SYNs per
 *  window; `probes` web requests before and during it, `gapMs` apart. */
export const FLOOD = {
  pps: 20_000, seconds: 6, threshold: 20, windowMs: 1000, port: 80, spoofed: '198.19.0.0/16', probes: 20, gapMs: 150,
  probeTimeoutMs: 3000,
} as const;

export interface FloodReport {
  service: string;
  cookie_mode: { mode: 'auto'; threshold: number; window_ms: number; on_after: boolean };
  flood: { target_pps: number; sent: number; seconds: number; sources: string };
  /** Web requests from the client before and during the flood. */
  before: { tried: number; delivered: number };
  during: { tried: number; delivered: number; success_rate: number; max_ms: number };
  /** Packets the gateway counted during the flood, by reason. */
  gateway: Partial<Record<ReasonLabel, number>>;
  /** The datapath's SYN-cookie counters during the flood (fw_sc_stats). */
  syncookie: Partial<Record<ScStatName, number>>;
  /** Conntrack entries in the gateway at the end of the flood (the flood's SYNs make none). */
  conntrack: number;
  ok: boolean;
}

export interface FloodPhaseOptions {
  plan: LabPlan;
  client: Agent;
  readCounters: () => ReasonCounters;
  checkAbort: () => void;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FWCTL = `${ROOT}bin/fwctl.mjs`;
const GENERATOR = `${ROOT}src/lab/flood-gen.ts`;

const mac = (netns: string, ifname: string) => (JSON.parse(ipn(netns, '-j', 'link', 'show', ifname)) as Array<{ address: string }>)[0].address;

function scStats(plan: LabPlan): Record<ScStatName, bigint> {
  const dp = openInstance(plan.instance);
  try {
    return readScStats(dp);
  } finally {
    dp.close();
  }
}

export async function runFloodPhase(o: FloodPhaseOptions): Promise<FloodReport> {
  const { plan } = o;
  const server = plan.hosts.server.v4;
  const service = `${server}:${FLOOD.port}`;
  const end = plan.links.client.end;
  // XDP checks a SYN's checksums before it answers: the client's stack must write them itself.
  sh('nsenter', [`--net=/run/netns/${end.netns}`, '--', 'ethtool', '-K', end.ifname, 'tx', 'off']);
  await runIn(plan.netns.gateway, [process.execPath, FWCTL, 'synproxy', 'add', service, '--mode', 'auto', '--threshold',
    String(FLOOD.threshold), '--window', `${FLOOD.windowMs}ms`, '--sysctl', '--instance', plan.instance, '-o', 'json']);

  let id = 200_000;
  const web = async (tag: string) => {
    const a = await o.client.request({
      id: id++, proto: 'tcp', family: 4, src: plan.hosts.client.v4, dst: server, port: FLOOD.port,
      token: `${plan.name}-flood-${tag}-${id}`, timeoutMs: FLOOD.probeTimeoutMs,
    }, FLOOD.probeTimeoutMs + 5000);
    return { delivered: a.observed === 'delivered', ms: Number(a.ms ?? 0) };
  };
  const series = async (tag: string) => {
    const out = [];
    for (let i = 0; i < FLOOD.probes; i++) {
      o.checkAbort();
      out.push(await web(tag));
      await new Promise((r) => setTimeout(r, FLOOD.gapMs));
    }
    return out;
  };

  const before = await series('before');
  const c0 = o.readCounters();
  const s0 = scStats(plan);
  const job = {
    ifname: end.ifname, srcMac: mac(end.netns, end.ifname), dstMac: mac(plan.links.client.gw.netns, plan.links.client.gw.ifname),
    srcPrefix: FLOOD.spoofed, dst: server, dport: FLOOD.port, pps: FLOOD.pps, seconds: FLOOD.seconds,
  };
  const flood = runIn(end.netns, [process.execPath, '--import', import.meta.resolve('tsx'), GENERATOR, JSON.stringify(job)],
    (FLOOD.seconds + 30) * 1000);
  await new Promise((r) => setTimeout(r, 1000));
  const during = await series('during');
  const sent = JSON.parse((await flood).trim().split('\n').pop() as string) as { frames: number; ns: number };
  const conntrack = Number((await runIn(plan.netns.gateway, ['cat', '/proc/sys/net/netfilter/nf_conntrack_count'])).trim());
  const s1 = scStats(plan);
  const gateway: FloodReport['gateway'] = {};
  for (const [k, c] of Object.entries(diffReasonCounters(c0, o.readCounters())) as Array<[ReasonLabel, { packets: bigint }]>) {
    if (c.packets) gateway[k] = Number(c.packets);
  }
  const syncookie: FloodReport['syncookie'] = {};
  for (const k of Object.keys(s1) as ScStatName[]) if (s1[k] !== s0[k]) syncookie[k] = Number(s1[k] - s0[k]);
  const dp = openInstance(plan.instance);
  let onAfter = false;
  try {
    onAfter = serviceList(dp).find((s) => s.addr === server && s.port === FLOOD.port)?.state.cookieOn ?? false;
  } finally {
    dp.close();
  }
  const delivered = during.filter((d) => d.delivered).length;
  const report: FloodReport = {
    service,
    cookie_mode: { mode: 'auto', threshold: FLOOD.threshold, window_ms: FLOOD.windowMs, on_after: onAfter },
    flood: { target_pps: FLOOD.pps, sent: sent.frames, seconds: Math.round(sent.ns / 1e7) / 100, sources: FLOOD.spoofed },
    before: { tried: before.length, delivered: before.filter((d) => d.delivered).length },
    during: { tried: during.length, delivered, success_rate: delivered / during.length, max_ms: Math.max(...during.map((d) => d.ms)) },
    gateway, syncookie, conntrack, ok: false,
  };
  report.ok = report.before.delivered === report.before.tried && report.during.success_rate >= 0.95 &&
    (syncookie.syn_answered ?? 0) >= sent.frames / 2 && conntrack < sent.frames / 10;
  return report;
}

/** The phase in the text report. */
export function renderFlood(f: FloodReport): string[] {
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  return [
    '',
    `SYN-flood phase: ${f.service} protected (XDP SYN cookies + nftables SYNPROXY, cookie mode above ${f.cookie_mode.threshold} half-open SYNs per ${f.cookie_mode.window_ms} ms)`,
    `  flood: ${f.flood.sent} SYNs from random sources in ${f.flood.sources} in ${f.flood.seconds} s (target ${f.flood.target_pps}/s)`,
    `  web from the client: before ${f.before.delivered}/${f.before.tried} delivered; during the flood ${f.during.delivered}/${f.during.tried} (${pct(f.during.success_rate)}, slowest ${f.during.max_ms.toFixed(1)} ms)`,
    `  gateway during the flood: ${Object.entries(f.gateway).map(([k, n]) => `${k} ${n}`).join(', ') || '-'}`,
    `  SYN cookies: ${Object.entries(f.syncookie).map(([k, n]) => `${k} ${n}`).join(', ') || '-'}; cookie mode ${f.cookie_mode.on_after ? 'on' : 'off'} at the end`,
    `  gateway conntrack entries after the flood: ${f.conntrack}${f.ok ? '' : '   UNEXPECTED: see the numbers above'}`,
  ];
}
