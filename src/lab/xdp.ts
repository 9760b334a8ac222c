// The lab's XDP programs: the gateway's datapath (fwctl.bpf.o, loaded once, pinned, attached to
// both gateway interfaces so both directions share its maps) and a pass-through on the client and
// server ends. The ends need one because veth hands an XDP_TX frame (a reject's RST or ICMP
// unreachable, sent back out of the gateway interface it came in on) to its peer only when the
// peer runs XDP too (test/reject-live.test.ts). The pass-through is a second load of the same
// object with no sets, no rules and malformed packets passed: it passes everything and counts it.
//
// Attaching happens inside the namespaces, in child processes (xdp-child.ts) under nsenter.
import { type AttachState, Datapath, ensureBpffs } from '../datapath/index.ts';
import type { LabPlan } from './plan.ts';
import { LabError, runIn, tsNode } from './sh.ts';
import { type Attachment, type LabState, saveState } from './state.ts';

export type Mode = 'native' | 'generic';

export interface LabDatapaths {
  gateway: Datapath;
  ends: Datapath;
}

/** Loads the gateway's datapath and the ends' pass-through, and pins both (recorded as pinned). */
export function loadDatapaths(plan: LabPlan, state: LabState): LabDatapaths {
  ensureBpffs();
  const gateway = Datapath.open({ malformedPolicy: 'drop' });
  let ends: Datapath | undefined;
  try {
    gateway.pin(plan.instance); // EEXIST rather than share an instance someone else pinned
    state.instances.push(plan.instance);
    saveState(state);
    ends = Datapath.open({ malformedPolicy: 'pass' });
    ends.pin(plan.endsInstance);
    state.instances.push(plan.endsInstance);
    saveState(state);
    return { gateway, ends };
  } catch (e) {
    gateway.close();
    ends?.close();
    throw e;
  }
}

interface ChildResult {
  ifname: string;
  ok: boolean;
  state: AttachState | null;
  error?: string;
}

async function xdpChild(cmd: 'attach' | 'detach' | 'state', netns: string, instance: string, mode: Mode, ifnames: string[]): Promise<ChildResult[]> {
  const out = await runIn(netns, tsNode('./xdp-child.ts', cmd, instance, mode, ...ifnames));
  return JSON.parse(out) as ChildResult[];
}

/** Where each program goes: the gateway's datapath on both gateway interfaces, the pass-through
 *  on the two ends. */
export function attachPlan(plan: LabPlan): Array<{ netns: string; instance: string; ifnames: string[] }> {
  const { client, server } = plan.links;
  return [
    { netns: plan.netns.gateway, instance: plan.instance, ifnames: [client.gw.ifname, server.gw.ifname] },
    { netns: plan.netns.client, instance: plan.endsInstance, ifnames: [client.end.ifname] },
    { netns: plan.netns.server, instance: plan.endsInstance, ifnames: [server.end.ifname] },
  ];
}

/** Attaches every program of attachPlan (the three namespaces in parallel); records each
 *  attachment that took; throws if any did not. */
export async function attachAll(plan: LabPlan, state: LabState, mode: Mode): Promise<Attachment[]> {
  const groups = attachPlan(plan);
  const settled = await Promise.allSettled(groups.map((g) => xdpChild('attach', g.netns, g.instance, mode, g.ifnames)));
  const failures: string[] = [];
  settled.forEach((s, i) => {
    const g = groups[i];
    if (s.status === 'rejected') {
      failures.push(`${g.netns}: ${(s.reason as Error).message}`);
      return;
    }
    for (const r of s.value) {
      if (r.state?.ours) state.attachments.push({ netns: g.netns, ifname: r.ifname, instance: g.instance, mode, progId: r.state.progId });
      if (!r.ok) failures.push(`${r.ifname}: ${r.error ?? `attached as ${JSON.stringify(r.state)}`}`);
    }
  });
  saveState(state);
  if (failures.length > 0) throw new LabError('E_LAB_ATTACH', `XDP attach in ${mode} mode failed: ${failures.join('; ')}`);
  return state.attachments;
}

export interface DetachReport {
  /** Detached by us, each checked to be our program first. */
  detached: Attachment[];
  /** Not detached (the namespace is gone, or the child failed): deleting the namespace removes
   *  the interface and its program with it. */
  failed: Array<{ attachment: Attachment; error: string }>;
}

/** Detaches every recorded attachment (grouped per namespace, in parallel). Never throws. */
export async function detachAll(state: LabState): Promise<DetachReport> {
  const groups = new Map<string, Attachment[]>();
  for (const a of state.attachments) {
    const key = `${a.netns}\0${a.instance}\0${a.mode}`;
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  const report: DetachReport = { detached: [], failed: [] };
  await Promise.all([...groups.values()].map(async (list) => {
    const { netns, instance, mode } = list[0];
    try {
      const results = await xdpChild('detach', netns, instance, mode, list.map((a) => a.ifname));
      for (const a of list) {
        const r = results.find((x) => x.ifname === a.ifname);
        if (r?.ok) report.detached.push(a);
        else report.failed.push({ attachment: a, error: r?.error ?? `still attached: ${JSON.stringify(r?.state)}` });
      }
    } catch (e) {
      for (const a of list) report.failed.push({ attachment: a, error: (e as Error).message });
    }
  }));
  return report;
}
