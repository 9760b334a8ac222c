// The rate-limit maps of a datapath (bpf/lib/ratelimit.h, autoblock.h): the configuration written
// (limits first, then the switches, so a packet never sees a switch for a limit not yet written),
// read back, and the per-CPU counters summed.
import {
  AbFlag, AbStat, type AbStatName, FW_RL_CTL, FW_RL_LIMIT, FW_RL_STAT, MapName, RL_MAX, RlFlag, RlTrack,
} from '../abi/index.ts';
import type { DatapathHandle } from '../datapath/index.ts';
import type { BpfMap } from '../native/index.ts';
import type { Limit, RateLimitConfig } from './config.ts';
import { RateLimitError } from './errors.ts';

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};

/** Runs fn with the maps of a loaded or pinned datapath (pinned handles are closed after). */
function withMaps<T>(dp: DatapathHandle, fn: (map: (name: string) => BpfMap) => T): T {
  const src = dp.maps((name, dir) => new RateLimitError('E_RL_MAPS_MISSING',
    `${dir} has no ${name}: the instance was pinned by a build without rate limits; reload it`));
  try {
    return fn((name) => src.map(name));
  } finally {
    src.close();
  }
}

const TRACK_NAMES = Object.fromEntries(Object.entries(RlTrack).map(([k, v]) => [v, k])) as Record<number, Limit['track']>;

export function encodeLimit(l: Limit): Buffer {
  const b = Buffer.alloc(FW_RL_LIMIT.size);
  const o = FW_RL_LIMIT.off;
  b.writeUInt32LE(l.id, o.id);
  b.writeUInt32LE(l.action === 'monitor' ? RlFlag.monitor : 0, o.flags);
  b.writeUInt8(RlTrack[l.track], o.track);
  b.writeUInt8(l.prefix4, o.prefix4);
  b.writeUInt8(l.prefix6, o.prefix6);
  b.writeUInt32LE(l.sid, o.sid);
  b.writeBigUInt64LE(BigInt(l.pps), o.pps);
  b.writeBigUInt64LE(BigInt(l.burst), o.pburst);
  b.writeBigUInt64LE(BigInt(l.bps), o.bps);
  b.writeBigUInt64LE(BigInt(l.bytesBurst), o.bburst);
  b.writeBigUInt64LE(l.blockNs, o.block_ns);
  return b;
}

export function decodeLimit(b: Buffer): Limit {
  const o = FW_RL_LIMIT.off;
  return {
    id: b.readUInt32LE(o.id), track: TRACK_NAMES[b.readUInt8(o.track)] ?? 'src', prefix4: b.readUInt8(o.prefix4),
    prefix6: b.readUInt8(o.prefix6), sid: b.readUInt32LE(o.sid), pps: Number(b.readBigUInt64LE(o.pps)),
    burst: Number(b.readBigUInt64LE(o.pburst)), bps: Number(b.readBigUInt64LE(o.bps)), bytesBurst: Number(b.readBigUInt64LE(o.bburst)),
    action: b.readUInt32LE(o.flags) & RlFlag.monitor ? 'monitor' : 'drop', blockNs: b.readBigUInt64LE(o.block_ns),
  };
}

function encodeCtl(c: RateLimitConfig): Buffer {
  const b = Buffer.alloc(FW_RL_CTL.size);
  const o = FW_RL_CTL.off;
  const d = c.detectors;
  b.writeUInt32LE(c.limits.length, o.nlimits);
  b.writeUInt32LE((d.scan ? AbFlag.scan : 0) | (d.flood ? AbFlag.flood : 0) | (d.monitor ? AbFlag.monitor : 0), o.ab_flags);
  b.writeUInt32LE(d.scan?.ports ?? 0, o.scan_ports);
  b.writeBigUInt64LE(d.scan?.windowNs ?? 0n, o.scan_window_ns);
  b.writeBigUInt64LE(BigInt(d.flood?.packets ?? 0), o.flood_packets);
  b.writeBigUInt64LE(d.flood?.windowNs ?? 0n, o.flood_window_ns);
  b.writeBigUInt64LE(d.blockNs, o.block_ns);
  return b;
}

/**
 * Makes `cfg` the datapath's rate-limit configuration. The limits are written first, then the
 * switches (fw_rl_ctl) in one update; a slot whose limit changed gets new buckets only if its id
 * changed (the buckets are keyed by id), so reloading the same file keeps the buckets' state.
 * Switching a limit off shrinks nlimits before the slots are rewritten.
 */
export function applyRateLimits(dp: DatapathHandle, cfg: RateLimitConfig): void {
  if (cfg.limits.length > RL_MAX) throw new RateLimitError('E_RL_TOO_MANY', `${cfg.limits.length} limits, at most ${RL_MAX}`);
  withMaps(dp, (map) => {
    const ctl = map(MapName.rlCtl);
    const limits = map(MapName.rlCfg);
    const stats = map(MapName.rlStats);
    const old = ctl.lookup(u32(0));
    const oldN = old ? old.readUInt32LE(FW_RL_CTL.off.nlimits) : 0;
    // first stop using slots that are about to change: keep only the unchanged prefix live
    let same = 0;
    while (same < Math.min(oldN, cfg.limits.length)) {
      const cur = limits.lookup(u32(same));
      if (!cur || !cur.equals(encodeLimit(cfg.limits[same]))) break;
      same++;
    }
    if (same < oldN && old) {
      const shrunk = Buffer.from(old);
      shrunk.writeUInt32LE(same, FW_RL_CTL.off.nlimits);
      ctl.update(u32(0), shrunk);
    }
    cfg.limits.forEach((l, i) => {
      if (i < same) return;
      limits.update(u32(i), encodeLimit(l));
      stats.update(u32(i), Buffer.alloc(stats.valueBufferSize)); // a new limit counts from zero
    });
    ctl.update(u32(0), encodeCtl(cfg));
  });
}

/** The configuration in force. */
export function readRateLimits(dp: DatapathHandle): RateLimitConfig {
  return withMaps(dp, (map) => {
    const ctl = map(MapName.rlCtl).lookup(u32(0));
    if (!ctl) throw new RateLimitError('E_RL_MAPS_MISSING', 'fw_rl_ctl has no entry');
    const o = FW_RL_CTL.off;
    const n = Math.min(ctl.readUInt32LE(o.nlimits), RL_MAX);
    const flags = ctl.readUInt32LE(o.ab_flags);
    const limits: Limit[] = [];
    const cfg = map(MapName.rlCfg);
    for (let i = 0; i < n; i++) {
      const v = cfg.lookup(u32(i));
      if (v) limits.push(decodeLimit(v));
    }
    return {
      limits,
      detectors: {
        scan: flags & AbFlag.scan ? { ports: ctl.readUInt32LE(o.scan_ports), windowNs: ctl.readBigUInt64LE(o.scan_window_ns) } : null,
        flood: flags & AbFlag.flood ? { packets: Number(ctl.readBigUInt64LE(o.flood_packets)), windowNs: ctl.readBigUInt64LE(o.flood_window_ns) } : null,
        blockNs: ctl.readBigUInt64LE(o.block_ns),
        monitor: (flags & AbFlag.monitor) !== 0,
      },
    };
  });
}

export interface LimitCounters {
  passed: number;
  exceeded: number;
  blocked: number;
}

/** Per-limit counters (summed over the CPUs), by slot, for the limits in force. */
export function readLimitCounters(dp: DatapathHandle): Array<LimitCounters & { id: number }> {
  const cfg = readRateLimits(dp);
  return withMaps(dp, (map) => {
    const stats = map(MapName.rlStats);
    return cfg.limits.map((l, i) => {
      const out = { id: l.id, passed: 0, exceeded: 0, blocked: 0 };
      for (const v of stats.lookupPerCpu(u32(i)) ?? []) {
        out.passed += Number(v.readBigUInt64LE(FW_RL_STAT.off.passed));
        out.exceeded += Number(v.readBigUInt64LE(FW_RL_STAT.off.exceeded));
        out.blocked += Number(v.readBigUInt64LE(FW_RL_STAT.off.blocked));
      }
      return out;
    });
  });
}

/** The detectors' counters (fw_ab_stats), summed over the CPUs. */
export function readAutoblockCounters(dp: DatapathHandle): Record<AbStatName, number> {
  return withMaps(dp, (map) => {
    const stats = map(MapName.abStats);
    const out = Object.fromEntries(Object.keys(AbStat).map((k) => [k, 0])) as Record<AbStatName, number>;
    for (const [name, slot] of Object.entries(AbStat) as Array<[AbStatName, number]>) {
      for (const v of stats.lookupPerCpu(u32(slot)) ?? []) out[name] += Number(v.readBigUInt64LE(0));
    }
    return out;
  });
}
