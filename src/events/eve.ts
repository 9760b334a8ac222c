// Suricata EVE JSON alert records from decoded fw_events, with Suricata's field names and order
// (CreateEveHeader in output-json.c, AlertJsonHeader in output-json-alert.c, Suricata 7 and 8):
//
//   timestamp, flow_id, in_iface, pcap_cnt, event_type, vlan, src_ip, src_port, dest_ip,
//   dest_port, proto, ip_v (8 only), icmp_type, icmp_code, pkt_src,
//   alert {action, gid, signature_id, rev, signature, category, severity}
//
// What Suricata adds after `alert` from its flow and app-layer state (app_proto, direction, flow
// {pkts_toserver...}) has no source in XDP and is not written.
import { formatIPv4, formatIPv6 } from '../abi/index.ts';
import type { FwEvent } from './decode.ts';
import { protoName } from './eve-names.ts';
import { flowId } from './flow-id.ts';
import type { RuleTable } from './rules.ts';

export interface EveOptions {
  /** Replay: the 1-based packet index in the capture (written when > 0, as Suricata does). */
  pcapCnt?: number;
  /** Live: the name of the interface the packet came in on. */
  inIface?: string;
  /** Added to the record's ts_ns before formatting: live records need monotonicToWallOffsetNs(),
   *  replayed ones (pcap time) nothing. */
  tsOffsetNs?: bigint;
  /** Suricata prints local time with its offset; 'utc' (default) is what it prints on a UTC host. */
  timeZone?: 'utc' | 'local';
  /** Write flow_id (default true): fwctl's 5-tuple hash, see flow-id.ts. */
  flowId?: boolean;
  /** 8 (default) writes ip_v; 7 does not. */
  suricataVersion?: 7 | 8;
  /** IPv6 text: 'full' (default; Suricata's PrintInet keeps every zero: 2001:0db8:0000:...) or
   *  'short' (RFC 5952, Suricata 8's optional shortening). */
  ipv6?: 'full' | 'short';
}

export interface EveAlertBody {
  action: 'allowed' | 'blocked';
  gid: number;
  signature_id: number;
  rev: number;
  signature: string;
  category: string;
  severity: number;
}

/** An EVE alert record; key order is the order of the JSON text. */
export interface EveAlert {
  timestamp: string;
  flow_id?: number;
  in_iface?: string;
  pcap_cnt?: number;
  event_type?: 'alert';
  vlan?: number[];
  src_ip?: string;
  src_port?: number;
  dest_ip?: string;
  dest_port?: number;
  proto?: string;
  ip_v?: 4 | 6;
  icmp_type?: number;
  icmp_code?: number;
  pkt_src?: 'wire/pcap';
  alert: EveAlertBody;
}

const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_SCTP = 132;
const IPPROTO_ICMP = 1;
const IPPROTO_ICMPV6 = 58;

/** The EVE alert record for one decoded alert event. */
export function eveAlert(e: FwEvent, rules: RuleTable, o: EveOptions = {}): EveAlert {
  const rule = rules.lookup(e.ruleIdx, e.sid);
  const alert: EveAlertBody = {
    // Suricata: "blocked" for a reject rule, and for a drop rule in IPS mode, which XDP always is.
    action: e.action === 'drop' || e.action === 'reject' ? 'blocked' : 'allowed',
    gid: rule.gid,
    signature_id: e.sid,
    rev: rule.rev,
    signature: rule.msg,
    category: rule.category,
    severity: rule.severity,
  };
  const timestamp = eveTimestamp(e.tsNs + (o.tsOffsetNs ?? 0n), o.timeZone ?? 'utc');
  if (e.family !== 'ipv4' && e.family !== 'ipv6') return { timestamp, alert }; // AlertJsonDecoderEvent
  const r: EveAlert = { timestamp } as EveAlert;
  if (o.flowId ?? true) r.flow_id = flowId(e);
  if (o.inIface !== undefined) r.in_iface = o.inIface;
  if (o.pcapCnt !== undefined && o.pcapCnt > 0) r.pcap_cnt = o.pcapCnt;
  r.event_type = 'alert';
  if (e.vlan.length > 0) r.vlan = e.vlan.slice();
  const style = o.ipv6 ?? 'full';
  const ports = e.proto === IPPROTO_TCP || e.proto === IPPROTO_UDP || e.proto === IPPROTO_SCTP;
  r.src_ip = eveAddress(e.saddr, e.family, style);
  if (ports) r.src_port = e.sport;
  r.dest_ip = eveAddress(e.daddr, e.family, style);
  if (ports) r.dest_port = e.dport;
  r.proto = protoName(e.proto);
  if ((o.suricataVersion ?? 8) >= 8) r.ip_v = e.family === 'ipv4' ? 4 : 6;
  // Suricata writes ICMP type/code for ICMPv4 in IPv4 and ICMPv6 in IPv6, once the header is read.
  const icmp = e.family === 'ipv4' ? e.proto === IPPROTO_ICMP : e.proto === IPPROTO_ICMPV6;
  if (icmp && e.hasL4) {
    r.icmp_type = e.icmpType;
    r.icmp_code = e.icmpCode;
  }
  r.pkt_src = 'wire/pcap';
  r.alert = alert;
  return r;
}

/** One JSON line (no newline). */
export function formatEveAlert(e: FwEvent, rules: RuleTable, o?: EveOptions): string {
  return JSON.stringify(eveAlert(e, rules, o));
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Suricata's CreateIsoTimeString: "%Y-%m-%dT%H:%M:%S.<usec>%z", e.g. 2017-03-07T17:37:36.478385+0000. */
export function eveTimestamp(tsNs: bigint, timeZone: 'utc' | 'local' = 'utc'): string {
  const sec = tsNs / 1_000_000_000n;
  const usec = Number((tsNs % 1_000_000_000n) / 1000n);
  const ms = Number(sec) * 1000;
  const offMin = timeZone === 'local' ? -new Date(ms).getTimezoneOffset() : 0;
  const d = new Date(ms + offMin * 60_000);
  const sign = offMin < 0 ? '-' : '+';
  const abs = Math.abs(offMin);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:` +
    `${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(usec, 6)}${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

/** An address as Suricata prints it: inet_ntop for IPv4; for IPv6 eight 4-digit groups, no
 *  compression (PrintInetIPv6), or RFC 5952 with 'short'. `addr` is 16 bytes, IPv4 in the first 4. */
export function eveAddress(addr: Uint8Array, family: 'ipv4' | 'ipv6', ipv6: 'full' | 'short' = 'full'): string {
  if (family === 'ipv4') return formatIPv4(addr);
  if (ipv6 === 'short') return formatIPv6(addr);
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((addr[i] << 8) | addr[i + 1]).toString(16).padStart(4, '0'));
  return g.join(':');
}
