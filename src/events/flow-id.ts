// flow_id for EVE records. Suricata's flow_id identifies one flow of its flow table (hash and
// start time); XDP keeps no such record for alerts, so fwctl derives a stable id from the flow's
// key instead: both directions of a 5-tuple (and VLAN ids) get the same id, in replay and live
// alike. Unlike Suricata's, two flows reusing one 5-tuple share it.
import type { FwEvent } from './decode.ts';

const key = Buffer.alloc(44);

/** 51 bits, like Suricata's (JSON readers lose precision beyond 53). */
export function flowId(e: FwEvent): number {
  key.fill(0);
  key[0] = e.family === 'ipv6' ? 6 : 4;
  key[1] = e.proto;
  key[2] = e.vlan.length;
  if (e.vlan.length > 0) key.writeUInt16BE(e.vlan[0], 4);
  if (e.vlan.length > 1) key.writeUInt16BE(e.vlan[1], 6);
  // Canonical order: the smaller (address, port) end first, so both directions agree.
  let c = Buffer.compare(e.saddr, e.daddr);
  if (c === 0) c = e.sport - e.dport;
  const [a, ap, b, bp] = c <= 0 ? [e.saddr, e.sport, e.daddr, e.dport] : [e.daddr, e.dport, e.saddr, e.sport];
  a.copy(key, 8);
  key.writeUInt16BE(ap, 24);
  b.copy(key, 26);
  key.writeUInt16BE(bp, 42);
  return hash51(key);
}

/** cyrb53 (bryc, public domain) over bytes, cut to 51 bits. */
function hash51(bytes: Uint8Array): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < bytes.length; i++) {
    h1 = Math.imul(h1 ^ bytes[i], 2654435761);
    h2 = Math.imul(h2 ^ bytes[i], 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h2 & 0x7ffff) * 0x100000000 + (h1 >>> 0);
}
