// The order in which a packet's matching rules decide (Suricata's `action-order`).
//
// Suricata sorts a packet's matches by action (default pass, drop, reject, alert), then priority,
// and applies them in that order (detect-engine-alert.c PacketAlertFinalize): each drop/reject
// drops the packet, each alerting rule alerts, and the first pass ends it: rules after it neither
// act nor alert. With the default order a pass therefore silences everything; `--action-order
// drop,pass,reject,alert` lets drops act (and alert) before a pass, as suricata.yaml's
// action-order does. Rules XDP cannot decide alone (band flag: payload) always come last: they
// only send the packet to DPI.
import type { Rule } from './ir.ts';

/** Where a rule's decision ranks: its action's place in the order, flag after every action. */
export type Band = 'pass' | 'drop' | 'reject' | 'alert' | 'flag';
export type OrderedAction = Exclude<Band, 'flag'>;
export type ActionOrder = readonly OrderedAction[];

export const DEFAULT_ACTION_ORDER: ActionOrder = ['pass', 'drop', 'reject', 'alert'];

export function band(r: Rule): Band {
  // flowbits alone need no DPI: the flow table holds them (reference/README.md "Flows")
  if (r.dpiReasons.some((k) => k !== 'flowbits') || r.protocol.tcpMode === 'stream') return 'flag';
  if (r.action === 'pass' || r.action === 'drop' || r.action === 'alert') return r.action;
  return 'reject';
}

/** The order's position of a band (0 first); flag is 4, after every action. */
export function bandRank(b: Band, order: ActionOrder = DEFAULT_ACTION_ORDER): number {
  return b === 'flag' ? 4 : order.indexOf(b);
}

/**
 * The order in which matching rules decide: band (by `order`), then priority (lower number
 * first), then sid, gid, and load order.
 */
export function compareRules(a: Rule, b: Rule, order: ActionOrder = DEFAULT_ACTION_ORDER): number {
  return bandRank(band(a), order) - bandRank(band(b), order) || a.meta.priority - b.meta.priority || a.meta.sid - b.meta.sid ||
    a.meta.gid - b.meta.gid || a.id - b.id;
}

/** True for the default kind of order, pass first: a matching pass rule decides alone. */
export function passFirst(order: ActionOrder = DEFAULT_ACTION_ORDER): boolean {
  return order[0] === 'pass';
}

export function isDefaultOrder(order: ActionOrder): boolean {
  return order.join(',') === DEFAULT_ACTION_ORDER.join(',');
}

/** `pass,drop,reject,alert` in any order (each of the four once), or an Error saying what is wrong. */
export function parseActionOrder(text: string): ActionOrder | Error {
  const parts = text.split(',').map((s) => s.trim().toLowerCase());
  const bad = parts.find((p) => !(DEFAULT_ACTION_ORDER as readonly string[]).includes(p));
  if (bad !== undefined) return new Error(`"${bad}" is not an action: the order lists pass, drop, reject and alert`);
  if (parts.length !== 4 || new Set(parts).size !== 4) return new Error(`the order lists each of pass, drop, reject and alert once, not "${text}"`);
  return parts as OrderedAction[];
}

/**
 * Why a rule cannot be decided in XDP under `order`, or null. When pass is not first, the
 * classifier walks every match before it knows where the first pass ranks, so what a match changes
 * while it is visited would also be changed by the matches Suricata never applies (those ranked
 * after the pass): threshold / detection_filter counters and flowbit writes. Such rules are
 * refused under such an order (their flowbit reads and every header keyword are fine).
 */
export function orderConflict(r: Rule, order: ActionOrder): string | null {
  if (passFirst(order)) return null;
  if (r.threshold || r.detectionFilter) return 'threshold/detection_filter';
  if (r.flowbits.some((op) => op.op === 'set' || op.op === 'unset' || op.op === 'toggle')) return 'flowbits set/unset/toggle';
  return null;
}
