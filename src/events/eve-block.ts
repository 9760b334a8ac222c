// An automatic block (FW_EVENT_BLOCK: a scan or flood detector, or a rate limit with a block time)
// as one EVE-style JSON line. Suricata has no such event type; the shape follows its alert records
// (timestamp, addresses, proto) with a `block` object saying what was blocked, why and until when.
import type { FwEvent } from './decode.ts';
import { eveAddress, type EveOptions, eveTimestamp } from './eve.ts';
import { protoName } from './eve-names.ts';

export interface EveBlock {
  timestamp: string;
  pcap_cnt?: number;
  event_type: 'block';
  src_ip: string;
  src_port?: number;
  dest_ip: string;
  dest_port?: number;
  proto: string;
  block: {
    /** The prefix put in the block list: the source, /32 or /128. */
    prefix: string;
    reason: string;
    /** The rate limit's id (reason rate_limit). */
    limit_id?: number;
    /** blocked, or monitored (detected in monitor mode: nothing was blocked). */
    action: 'blocked' | 'monitored';
    /** When the block ends, on the event's clock; absent in monitor mode. */
    expires?: string;
    duration_s?: number;
  };
}

export function eveBlock(e: FwEvent, o: EveOptions = {}): EveBlock {
  const family = e.family === 'ipv6' ? 'ipv6' : 'ipv4';
  const style = o.ipv6 ?? 'full';
  const off = o.tsOffsetNs ?? 0n;
  const ports = e.hasL4 && (e.proto === 6 || e.proto === 17);
  const r: EveBlock = { timestamp: eveTimestamp(e.tsNs + off, o.timeZone ?? 'utc') } as EveBlock;
  if (o.pcapCnt !== undefined && o.pcapCnt > 0) r.pcap_cnt = o.pcapCnt;
  r.event_type = 'block';
  r.src_ip = eveAddress(e.saddr, family, style);
  if (ports) r.src_port = e.sport;
  r.dest_ip = eveAddress(e.daddr, family, style);
  if (ports) r.dest_port = e.dport;
  r.proto = protoName(e.proto);
  const monitored = e.expiresNs === 0n;
  r.block = {
    prefix: `${e.src}/${family === 'ipv4' ? 32 : 128}`,
    reason: e.blockWhy ?? 'unknown',
    action: monitored ? 'monitored' : 'blocked',
  };
  if (e.blockWhy === 'rate_limit') r.block.limit_id = e.blockId;
  if (!monitored) {
    if (e.expiresNs === 0xffffffffffffffffn) r.block.duration_s = Infinity;
    else {
      r.block.expires = eveTimestamp(e.expiresNs + off, o.timeZone ?? 'utc');
      r.block.duration_s = Number(e.expiresNs - e.tsNs) / 1e9;
    }
  }
  return r;
}

export function formatEveBlock(e: FwEvent, o?: EveOptions): string {
  return JSON.stringify(eveBlock(e, o));
}
