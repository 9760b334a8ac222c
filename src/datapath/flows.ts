// The flow table of a datapath (bpf/lib/flow.h): list the flows of fw_flow_half / fw_flow_est,
// sum fw_flow_stats, derive evictions, clear the tables, set timeouts and midstream pickup.
import {
  FLOW_STAT_SLOTS, FLOW_TIMEOUT_DEFAULT_S, FlowInvalid, FlowStat, FlowState, type FlowStateName, FlowTimeout, FlowVerdict, formatIPv4, formatIPv6,
  FW_FLOW, FW_FLOW_CFG, FW_FLOW_KEY, MapName,
} from '../abi/index.ts';
import { type BpfMap, numPossibleCpus } from '../native/index.ts';
import { withClsMaps } from './cls-maps.ts';
import type { DatapathHandle } from './handle.ts';

export type FlowTableName = 'half' | 'est';

export interface FlowEndpoint {
  addr: string;
  port: number;
}

export interface FlowEntry {
  table: FlowTableName;
  family: 4 | 6;
  proto: number;
  vlan: [number, number];
  client: FlowEndpoint;
  server: FlowEndpoint;
  state: FlowStateName;
  firstNs: bigint;
  lastNs: bigint;
  /** Packets from the client, from the server. */
  pkts: { toServer: bigint; toClient: bigint };
  verdict: 'none' | 'drop' | 'pass';
  sid: number;
  epoch: number;
  flowbits: bigint;
  /** FIN seen: bit 0 from the client, bit 1 from the server. */
  fin: number;
}

export interface FlowTableCount {
  live: number;
  capacity: number;
  inserted: bigint;
  deleted: bigint;
  /** Entries the LRU dropped to make room: inserted - deleted - live (the program never sees an eviction). */
  evicted: bigint;
}

export interface FlowStats {
  counters: Record<Exclude<keyof typeof FlowStat, 'enter'>, bigint>;
  /** Transitions into each state (a flow's creation included). */
  entered: Record<FlowStateName, bigint>;
  half: FlowTableCount;
  est: FlowTableCount;
}

const STATE_BY_NUM = Object.fromEntries(Object.entries(FlowState).map(([k, v]) => [v, k])) as Record<number, FlowStateName>;
const VERDICT: Record<number, FlowEntry['verdict']> = { [FlowVerdict.v_none]: 'none', [FlowVerdict.v_drop]: 'drop', [FlowVerdict.v_pass]: 'pass' };

function endpoint(k: Buffer, i: 0 | 1, family: number): FlowEndpoint {
  const at = FW_FLOW_KEY.off.addr + 16 * i;
  return { addr: family === 4 ? formatIPv4(k, at) : formatIPv6(k, at), port: k.readUInt16LE(FW_FLOW_KEY.off.port + 2 * i) };
}

export function decodeFlow(table: FlowTableName, k: Buffer, v: Buffer): FlowEntry {
  const K = FW_FLOW_KEY.off, V = FW_FLOW.off;
  const family = k.readUInt8(K.family) as 4 | 6;
  const client = v.readUInt8(V.client) as 0 | 1;
  return {
    table, family, proto: k.readUInt8(K.proto), vlan: [k.readUInt16LE(K.vlan), k.readUInt16LE(K.vlan + 2)],
    client: endpoint(k, client, family), server: endpoint(k, client ? 0 : 1, family),
    state: STATE_BY_NUM[v.readUInt8(V.state)] ?? (`unknown_${v.readUInt8(V.state)}` as FlowStateName),
    firstNs: v.readBigUInt64LE(V.first_ns), lastNs: v.readBigUInt64LE(V.last_ns),
    pkts: { toServer: v.readBigUInt64LE(V.pkts), toClient: v.readBigUInt64LE(V.pkts + 8) },
    verdict: VERDICT[v.readUInt8(V.verdict)] ?? 'none', sid: v.readUInt32LE(V.sid), epoch: v.readUInt32LE(V.epoch),
    flowbits: v.readBigUInt64LE(V.flowbits), fin: v.readUInt8(V.fin),
  };
}

function keys(map: BpfMap): Buffer[] {
  const out: Buffer[] = [];
  let k: Buffer | null = null;
  while ((k = map.nextKey(k)) !== null) out.push(Buffer.from(k));
  return out;
}

const TABLES: Record<FlowTableName, string> = { half: MapName.flowHalf, est: MapName.flowEst };

/** Every flow of both tables (half-open first). */
export function readFlows(dp: DatapathHandle): FlowEntry[] {
  return withClsMaps(dp, (m) => {
    const out: FlowEntry[] = [];
    for (const t of ['half', 'est'] as const) {
      const map = m.map(TABLES[t]);
      for (const k of keys(map)) {
        const v = map.lookup(k);
        if (v) out.push(decodeFlow(t, k, v));
      }
    }
    return out;
  });
}

/** Counters summed over CPUs, live entries per table, evictions derived. */
export function readFlowStats(dp: DatapathHandle): FlowStats {
  return withClsMaps(dp, (m) => {
    const ncpu = numPossibleCpus();
    const stats = m.map(MapName.flowStats);
    const slot = new Array<bigint>(FLOW_STAT_SLOTS).fill(0n);
    const key = Buffer.alloc(4);
    for (let i = 0; i < FLOW_STAT_SLOTS; i++) {
      key.writeUInt32LE(i);
      const v = stats.lookup(key);
      if (!v) continue;
      for (let c = 0; c < ncpu; c++) slot[i] += v.readBigUInt64LE(c * 8);
    }
    const counters = Object.fromEntries(Object.entries(FlowStat).filter(([k]) => k !== 'enter').map(([k, i]) => [k, slot[i]])) as FlowStats['counters'];
    const entered = Object.fromEntries(Object.entries(FlowState).map(([k, i]) => [k, slot[FlowStat.enter + i]])) as FlowStats['entered'];
    const count = (t: FlowTableName, ins: bigint, del: bigint): FlowTableCount => {
      const map = m.map(TABLES[t]);
      const live = keys(map).length;
      const ev = ins - del - BigInt(live);
      return { live, capacity: map.info.maxEntries, inserted: ins, deleted: del, evicted: ev > 0n ? ev : 0n };
    };
    return {
      counters, entered,
      half: count('half', slot[FlowStat.half_insert], slot[FlowStat.half_delete]),
      est: count('est', slot[FlowStat.est_insert], slot[FlowStat.est_delete]),
    };
  });
}

/** Deletes every flow (both tables); returns how many. Counted as deletes, so evictions stay right. */
export function clearFlows(dp: DatapathHandle): number {
  return withClsMaps(dp, (m) => {
    let total = 0;
    const stats = m.map(MapName.flowStats);
    for (const t of ['half', 'est'] as const) {
      const map = m.map(TABLES[t]);
      let n = 0;
      for (const k of keys(map)) if (map.delete(k)) n++;
      total += n;
      // counted as deletes (on CPU 0's slot), so inserts - deletes - live stays the eviction count;
      // a packet counting on CPU 0 at this very moment may lose its increment
      const key = Buffer.alloc(4);
      key.writeUInt32LE(t === 'half' ? FlowStat.half_delete : FlowStat.est_delete);
      const v = stats.lookup(key);
      if (v && n) {
        v.writeBigUInt64LE(v.readBigUInt64LE(0) + BigInt(n), 0);
        stats.update(key, v);
      }
    }
    return total;
  });
}

export interface FlowConfig {
  /** Seconds per timeout slot (FlowTimeout names); unset: Suricata's default. */
  timeouts?: Partial<Record<keyof typeof FlowTimeout, number>>;
  /** Pick up TCP flows that start without a SYN (default false). */
  midstream?: boolean;
  /** TCP packets out of state: classified as any packet (pass, the default) or dropped before the
   *  rules (drop: reason flow_invalid). */
  invalid?: 'pass' | 'drop';
}

/** Writes fw_flow_cfg (a packet reads it once; takes effect for the next packet). */
export function setFlowConfig(dp: DatapathHandle, c: FlowConfig): void {
  const b = Buffer.alloc(FW_FLOW_CFG.size);
  for (const [name, slot] of Object.entries(FlowTimeout)) {
    const s = c.timeouts?.[name as keyof typeof FlowTimeout];
    if (s === undefined) continue;
    if (!(s > 0) || !Number.isFinite(s)) throw new RangeError(`setFlowConfig: timeout ${name} must be a positive number of seconds, got ${s}`);
    b.writeBigUInt64LE(BigInt(Math.round(s * 1e9)), FW_FLOW_CFG.off.timeout_ns + 8 * slot);
  }
  b.writeUInt32LE(c.midstream ? 1 : 0, FW_FLOW_CFG.off.midstream);
  b.writeUInt32LE(FlowInvalid[c.invalid ?? 'pass'], FW_FLOW_CFG.off.invalid);
  withClsMaps(dp, (m) => m.map(MapName.flowCfg).update(Buffer.alloc(4), b));
}

/** The timeouts in effect, seconds (a zero slot means the default). */
export function readFlowConfig(dp: DatapathHandle): Required<FlowConfig> {
  return withClsMaps(dp, (m) => {
    const v = m.map(MapName.flowCfg).lookup(Buffer.alloc(4)) ?? Buffer.alloc(FW_FLOW_CFG.size);
    const timeouts = {} as Record<keyof typeof FlowTimeout, number>;
    for (const [name, slot] of Object.entries(FlowTimeout) as Array<[keyof typeof FlowTimeout, number]>) {
      const ns = v.readBigUInt64LE(FW_FLOW_CFG.off.timeout_ns + 8 * slot);
      timeouts[name] = ns ? Number(ns) / 1e9 : FLOW_TIMEOUT_DEFAULT_S[name];
    }
    return {
      timeouts, midstream: v.readUInt32LE(FW_FLOW_CFG.off.midstream) === 1,
      invalid: v.readUInt32LE(FW_FLOW_CFG.off.invalid) === FlowInvalid.drop ? 'drop' : 'pass',
    };
  });
}

/** FlowTableCount in numbers (JSON). */
export interface FlowTableFill {
  live: number;
  capacity: number;
  inserted: number;
  deleted: number;
  evicted: number;
}

export interface FlowSummary {
  half: FlowTableFill;
  est: FlowTableFill;
  created: number;
  promoted: number;
  expired: number;
  reused: number;
  invalid: number;
  /** Packets decided by a stored verdict: dropped (flow_drop) and passed unclassified. */
  storedDrop: number;
  storedPass: number;
  /** Live flows by state. */
  byState: Partial<Record<FlowStateName, number>>;
  /** The settings in effect (fwctl flows config). */
  midstream: boolean;
  invalidPolicy: 'pass' | 'drop';
}

/** What `fwctl status` / `stats` print about the flow table: fill, evictions, counters, states. */
export function flowSummary(dp: DatapathHandle): FlowSummary {
  const s = readFlowStats(dp);
  const byState: FlowSummary['byState'] = {};
  for (const f of readFlows(dp)) byState[f.state] = (byState[f.state] ?? 0) + 1;
  const n = (x: bigint) => Number(x);
  const cfg = readFlowConfig(dp);
  const fill = (c: FlowTableCount): FlowTableFill => ({ live: c.live, capacity: c.capacity, inserted: n(c.inserted), deleted: n(c.deleted), evicted: n(c.evicted) });
  return {
    half: fill(s.half), est: fill(s.est), created: n(s.counters.created), promoted: n(s.counters.promoted), expired: n(s.counters.expired),
    reused: n(s.counters.reused), invalid: n(s.counters.invalid), storedDrop: n(s.counters.verdict_drop), storedPass: n(s.counters.verdict_pass), byState,
    midstream: cfg.midstream, invalidPolicy: cfg.invalid,
  };
}

/** One line per table and one of counters, for the human output. */
export function flowSummaryText(f: FlowSummary): string[] {
  const t = (name: string, c: FlowTableFill) =>
    `  ${name.padEnd(12)} ${c.live}/${c.capacity} (${((c.live / c.capacity) * 100).toFixed(1)}%), ${c.evicted} evicted`;
  const states = Object.entries(f.byState).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  return [
    t('half-open', f.half), t('established', f.est),
    `  ${f.created} created, ${f.promoted} established, ${f.expired} expired, ${f.reused} reused, ${f.invalid} out-of-state packets`,
    `  stored verdicts: ${f.storedDrop} packets dropped, ${f.storedPass} passed unclassified; live by state: ${states}`,
    `  midstream pickup ${f.midstream ? 'on' : 'off'}; packets out of state ${f.invalidPolicy === 'drop' ? 'dropped' : 'classified'}`,
  ];
}
