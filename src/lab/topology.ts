// Builds the three namespaces and two veth pairs of a plan, and makes the gateway route. Each
// namespace is recorded in the state as soon as it exists; the veths live inside the namespaces
// (created there directly, never in the root namespace) and go with them.
import type { LabPlan, Link } from './plan.ts';
import { inNetns, ip, ipn, sh } from './sh.ts';
import { type LabState, saveState } from './state.ts';

function addNetns(state: LabState, netns: string): void {
  ip('netns', 'add', netns); // fails (EEXIST) rather than reuse a namespace someone else made
  state.namespaces.push(netns);
  saveState(state);
  ipn(netns, 'link', 'set', 'lo', 'up');
}

function addLink(link: Link): void {
  ip('link', 'add', link.end.ifname, 'netns', link.end.netns, 'type', 'veth', 'peer', 'name', link.gw.ifname, 'netns', link.gw.netns);
  for (const side of [link.end, link.gw]) {
    for (const a of side.v4) ipn(side.netns, 'addr', 'add', a, 'dev', side.ifname);
    // nodad: the addresses are usable at once (no 1-2 s of tentative state), and ours alone.
    for (const a of side.v6) ipn(side.netns, 'addr', 'add', a, 'dev', side.ifname, 'nodad');
    ipn(side.netns, 'link', 'set', side.ifname, 'up');
  }
}

/** Creates the namespaces, links, addresses, routes and the gateway's forwarding sysctls. */
export function buildTopology(plan: LabPlan, state: LabState): void {
  const { client, gateway, server } = plan.netns;
  for (const ns of [client, gateway, server]) addNetns(state, ns);
  addLink(plan.links.client);
  addLink(plan.links.server);
  // Forwarding inside the gateway namespace only; the root namespace is never touched.
  for (const [key, value] of [['net.ipv4.ip_forward', '1'], ['net.ipv6.conf.all.forwarding', '1']]) {
    sh('nsenter', [...inNetns(gateway).slice(1), 'sysctl', '-q', '-w', `${key}=${value}`]);
  }
  for (const [ns, via] of [[client, plan.gatewayVia.client], [server, plan.gatewayVia.server]] as const) {
    ipn(ns, 'route', 'add', 'default', 'via', via.v4);
    ipn(ns, '-6', 'route', 'add', 'default', 'via', via.v6);
  }
}

/** Checks a namespace has forwarding on (it is the gateway) — for the report. */
export function forwardingOn(netns: string): { v4: boolean; v6: boolean } {
  const read = (key: string) => sh('nsenter', [...inNetns(netns).slice(1), 'sysctl', '-n', key]).trim() === '1';
  return { v4: read('net.ipv4.ip_forward'), v6: read('net.ipv6.conf.all.forwarding') };
}
