// struct fw_event records (and fw_event_alerts: a packet's alerts in one record), as the
// RingBuffer callback hands them over (one Buffer per record, already a copy of the ring memory),
// decoded without copying again: the address fields are views into that Buffer.
import {
  AbWhy, type AbWhyName, EventAction, type EventActionName, EventType, type EventTypeName, Family, type FamilyName, FW_EVENT,
  FW_EVENT_ALERT, FW_EVENT_ALERTS, formatIPv4, formatIPv6, type VerdictLabel, verdictName,
} from '../abi/index.ts';

const E = FW_EVENT.off;
const A = FW_EVENT_ALERTS.off;
const X = FW_EVENT_ALERT.off;

export type EventTypeLabel = EventTypeName | `unknown_${number}`;
export type EventActionLabel = EventActionName | `unknown_${number}`;

/** One decoded fw_event. */
export interface FwEvent {
  type: EventTypeLabel;
  /** fw_pkt.ts_ns: the pcap time (ns since the epoch) under replay, CLOCK_MONOTONIC live. */
  tsNs: bigint;
  /** The rule's signature id. */
  sid: number;
  /** The rule's index in the loaded ruleset (IR Rule.id). */
  ruleIdx: number;
  /** The rule's action. */
  action: EventActionLabel;
  /** The verdict the packet got. */
  verdict: VerdictLabel;
  family: FamilyName;
  /** IP protocol after the IPv6 extension headers. */
  proto: number;
  /** 16 bytes, network order (IPv4 in the first 4): a view into the record. */
  saddr: Buffer;
  daddr: Buffer;
  /** Canonical text: dotted quad or RFC 5952; '' for family none. */
  src: string;
  dst: string;
  sport: number;
  dport: number;
  /** The TCP/UDP/ICMP header was read (ports, flags and ICMP fields are meaningful). */
  hasL4: boolean;
  /** enum fw_tcp_flag bits. */
  tcpFlags: number;
  icmpType: number;
  icmpCode: number;
  /** VLAN ids, outermost first. */
  vlan: number[];
  ifindex: number;
  /** Frame length in bytes. */
  pktLen: number;
  /** type block: the block's expiry (fw_block.expires_ns; 0 in monitor mode), why, and the rate
   *  limit's id (0 for the detectors). Zero / null in other records. */
  expiresNs: bigint;
  blockWhy: AbWhyLabel | null;
  blockId: number;
}

export type AbWhyLabel = AbWhyName | `unknown_${number}`;

const TYPE_NAMES = invert(EventType);
const ACTION_NAMES = invert(EventAction);
const FAMILY_NAMES = invert(Family);
const WHY_NAMES = invert(AbWhy);

function invert(t: Record<string, number>): Map<number, string> {
  return new Map(Object.entries(t).map(([k, v]) => [v, k]));
}

function label<T extends string>(names: Map<number, string>, n: number): T | `unknown_${number}` {
  return (names.get(n) ?? `unknown_${n}`) as T | `unknown_${number}`;
}

/** Every alert of one ring record: an alert record (struct fw_event_alerts) holds a packet's
 *  alerts, the header's and `more` after it, each decoded as its own FwEvent (the packet's fields
 *  shared); any other record is one event. Throws RangeError on a record too short for what it
 *  says it holds. */
export function decodeRecord(buf: Buffer): FwEvent[] {
  const head = decodeEvent(buf);
  if (buf[E.type] !== EventType.alert || buf.length < A.alerts) return [head];
  const more = buf.readUInt32LE(A.more);
  if (buf.length < A.alerts + more * FW_EVENT_ALERT.size) {
    throw new RangeError(`fw_event_alerts record of ${buf.length} bytes says ${more + 1} alerts`);
  }
  const out = [head];
  for (let i = 0; i < more; i++) {
    const at = A.alerts + i * FW_EVENT_ALERT.size;
    out.push({
      ...head, sid: buf.readUInt32LE(at + X.sid), ruleIdx: buf.readUInt32LE(at + X.rule_idx),
      action: label<EventActionName>(ACTION_NAMES, buf[at + X.action]),
    });
  }
  return out;
}

/** Decodes one record. Throws RangeError when `buf` is shorter than a struct fw_event (a record
 *  from an object with another ABI); longer records (a newer object that appended fields) decode. */
export function decodeEvent(buf: Buffer): FwEvent {
  if (buf.length < FW_EVENT.size) {
    throw new RangeError(`fw_event record of ${buf.length} bytes, expected at least ${FW_EVENT.size}`);
  }
  const family = (FAMILY_NAMES.get(buf[E.family]) ?? 'none') as FamilyName;
  const saddr = buf.subarray(E.saddr, E.saddr + 16);
  const daddr = buf.subarray(E.daddr, E.daddr + 16);
  const text = (a: Buffer): string => (family === 'ipv4' ? formatIPv4(a) : family === 'ipv6' ? formatIPv6(a) : '');
  const depth = Math.min(buf[E.vlan_depth], 2);
  const vlan: number[] = [];
  for (let i = 0; i < depth; i++) vlan.push(buf.readUInt16LE(E.vlan_id + 2 * i));
  return {
    type: label<EventTypeName>(TYPE_NAMES, buf[E.type]),
    tsNs: buf.readBigUInt64LE(E.ts_ns),
    sid: buf.readUInt32LE(E.sid),
    ruleIdx: buf.readUInt32LE(E.rule_idx),
    action: label<EventActionName>(ACTION_NAMES, buf[E.action]),
    verdict: verdictName(buf[E.verdict]),
    family,
    proto: buf[E.l4_proto],
    saddr,
    daddr,
    src: text(saddr),
    dst: text(daddr),
    sport: buf.readUInt16LE(E.sport),
    dport: buf.readUInt16LE(E.dport),
    hasL4: buf[E.has_l4] !== 0,
    tcpFlags: buf[E.tcp_flags],
    icmpType: buf[E.icmp_type],
    icmpCode: buf[E.icmp_code],
    vlan,
    ifindex: buf.readUInt32LE(E.ifindex),
    pktLen: buf.readUInt32LE(E.pkt_len),
    expiresNs: buf.length >= E.expires_ns + 8 ? buf.readBigUInt64LE(E.expires_ns) : 0n,
    blockWhy: buf.length >= E.block_id + 4 && buf.readUInt32LE(E.block_why) ? label<AbWhyName>(WHY_NAMES, buf.readUInt32LE(E.block_why)) : null,
    blockId: buf.length >= E.block_id + 4 ? buf.readUInt32LE(E.block_id) : 0,
  };
}
