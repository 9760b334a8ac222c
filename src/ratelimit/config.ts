// The rate-limit configuration: limits (token buckets per source, prefix or rule) and the scan /
// flood detectors. One zod schema for the file (`fwctl ratelimit load`, `fwctl replay --ratelimit`)
// and the command line (`fwctl ratelimit add`); types come from it. docs/ratelimit.md describes it.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

import { RL_MAX } from '../abi/index.ts';
import { durationNs } from '../duration.ts';
import { RateLimitError } from './errors.ts';

/** "1500ms", "90s", "10m", "1h30m", "2d", or a number of seconds -> nanoseconds. */
export function parseDurationNs(v: string | number, what: string): bigint {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) throw new RateLimitError('E_RL_DURATION', `${what}: ${v} is not a duration`);
    return BigInt(Math.round(v * 1e9));
  }
  const ns = durationNs(v);
  if (ns === null) throw new RateLimitError('E_RL_DURATION', `${what}: "${v}" is not a duration (1500ms, 90s, 10m, 1h30m, 2d)`);
  return ns;
}

const duration = z.union([z.string(), z.number().nonnegative()]);
const count = (max: number) => z.number().int().min(0).max(max);

export const limitSchema = z.strictObject({
  /** The operator's name for the limit: `del` takes it, block events carry it. */
  id: z.number().int().min(1).max(0xffffffff),
  /** What one bucket is kept per. */
  track: z.enum(['src', 'prefix', 'rule']).default('src'),
  /** track prefix: the source prefix lengths. */
  prefix4: z.number().int().min(0).max(32).default(24),
  prefix6: z.number().int().min(0).max(128).default(64),
  /** track rule: only this sid (default every rule, one bucket each). */
  sid: z.number().int().min(1).max(0xffffffff).optional(),
  /** Packets per second, and the burst (default: one second's worth). */
  pps: count(1e9).optional(),
  burst: count(1e9).optional(),
  /** Bytes per second, and the burst in bytes (default: one second's worth). */
  bps: count(1e11).optional(),
  bytes_burst: count(1e10).optional(),
  /** drop (default) or monitor: count what exceeds and pass it. */
  action: z.enum(['drop', 'monitor']).default('drop'),
  /** Put an exceeding source in the block list for this long (drop only). */
  block: duration.optional(),
});

export const configSchema = z.strictObject({
  limits: z.array(limitSchema).max(RL_MAX).default([]),
  /** Port-scan detection: more than `ports` distinct destination ports per source within `window`. */
  scan: z.strictObject({ ports: z.number().int().min(1).max(65535 * 2), window: duration }).optional(),
  /** Flood detection: more than `packets` packets per source within `window`. */
  flood: z.strictObject({ packets: z.number().int().min(1).max(1e12), window: duration }).optional(),
  /** How long a detector's block lasts (default 10m). */
  block: duration.default('10m'),
  /** Detect and log, block nothing. */
  monitor: z.boolean().default(false),
});

export type LimitInput = z.input<typeof limitSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** One limit as the datapath holds it (times in ns). */
export interface Limit {
  id: number;
  track: 'src' | 'prefix' | 'rule';
  prefix4: number;
  prefix6: number;
  sid: number;
  pps: number;
  burst: number;
  bps: number;
  bytesBurst: number;
  action: 'drop' | 'monitor';
  blockNs: bigint;
}

export interface Detectors {
  scan: { ports: number; windowNs: bigint } | null;
  flood: { packets: number; windowNs: bigint } | null;
  blockNs: bigint;
  monitor: boolean;
}

export interface RateLimitConfig {
  limits: Limit[];
  detectors: Detectors;
}

const KEYS = ['limits', 'scan', 'flood', 'block', 'monitor', 'id', 'track', 'prefix4', 'prefix6', 'sid', 'pps', 'burst', 'bps',
  'bytes_burst', 'action', 'ports', 'window', 'packets'];

function closest(word: string): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of KEYS) {
    const d = editDistance(word, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return dp[b.length];
}

function zodError(err: z.ZodError, where: string): RateLimitError {
  const lines = err.issues.map((i) => {
    const path = i.path.length ? i.path.join('.') : '(top)';
    if (i.code === 'unrecognized_keys') {
      return i.keys.map((k) => {
        const hint = closest(k);
        return `${where}${path === '(top)' ? '' : `${path}.`}${k}: unknown setting${hint ? ` (did you mean "${hint}"?)` : ''}`;
      }).join('\n');
    }
    return `${where}${path}: ${i.message}`;
  });
  return new RateLimitError('E_RL_CONFIG', lines.join('\n'));
}

export function normalizeLimit(l: z.output<typeof limitSchema>, where = ''): Limit {
  if (l.pps === undefined && l.bps === undefined) {
    throw new RateLimitError('E_RL_CONFIG', `${where}limit ${l.id}: give pps, bps or both`);
  }
  if (l.track !== 'rule' && l.sid !== undefined) throw new RateLimitError('E_RL_CONFIG', `${where}limit ${l.id}: sid belongs to track "rule"`);
  if (l.action === 'monitor' && l.block !== undefined) throw new RateLimitError('E_RL_CONFIG', `${where}limit ${l.id}: a monitor limit blocks nothing (drop block or use action drop)`);
  const pps = l.pps ?? 0;
  const bps = l.bps ?? 0;
  const burst = l.burst ?? pps;
  const bytesBurst = l.bytes_burst ?? bps;
  if (pps && burst < 1) throw new RateLimitError('E_RL_CONFIG', `${where}limit ${l.id}: a packet burst below 1 passes nothing`);
  return {
    id: l.id, track: l.track, prefix4: l.prefix4, prefix6: l.prefix6, sid: l.sid ?? 0, pps, burst, bps, bytesBurst,
    action: l.action, blockNs: l.block === undefined ? 0n : parseDurationNs(l.block, `${where}limit ${l.id} block`),
  };
}

/** Parses and checks a configuration object (from a file or built by a command). */
export function parseConfig(input: unknown, where = ''): RateLimitConfig {
  const r = configSchema.safeParse(input);
  if (!r.success) throw zodError(r.error, where);
  const c = r.data;
  const ids = new Set<number>();
  for (const l of c.limits) {
    if (ids.has(l.id)) throw new RateLimitError('E_RL_DUPLICATE_ID', `${where}limit id ${l.id} is given twice`);
    ids.add(l.id);
  }
  return {
    limits: c.limits.map((l) => normalizeLimit(l, where)),
    detectors: {
      scan: c.scan ? { ports: c.scan.ports, windowNs: parseDurationNs(c.scan.window, `${where}scan.window`) } : null,
      flood: c.flood ? { packets: c.flood.packets, windowNs: parseDurationNs(c.flood.window, `${where}flood.window`) } : null,
      blockNs: parseDurationNs(c.block, `${where}block`),
      monitor: c.monitor,
    },
  };
}

/** Parses one limit given on the command line. */
export function parseLimit(input: unknown): Limit {
  const r = limitSchema.safeParse(input);
  if (!r.success) throw zodError(r.error, '');
  return normalizeLimit(r.data);
}

/** Where JSON.parse fails: the shortest prefix that is not the start of a valid document (a valid
 *  start fails only with "end of input"). Node 20's messages do not always carry a position. */
function jsonErrorOffset(text: string): number {
  const bad = (k: number): boolean => {
    try {
      JSON.parse(text.slice(0, k));
      return false;
    } catch (e) {
      return !/end of (JSON )?input|Unterminated string/i.test((e as Error).message);
    }
  };
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (bad(mid + 1)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Reads a JSON rate-limit file (E_RL_FILE with line:col when it is not JSON). */
export function loadConfigFile(path: string): RateLimitConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RateLimitError('E_RL_FILE', `${path}: ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const at = jsonErrorOffset(text);
    const before = text.slice(0, at);
    const where = `:${before.split('\n').length}:${at - before.lastIndexOf('\n')}`;
    throw new RateLimitError('E_RL_FILE', `${path}${where}: not JSON (${(e as Error).message})`);
  }
  return parseConfig(data, `${path}: `);
}

export const EMPTY_CONFIG: RateLimitConfig = { limits: [], detectors: { scan: null, flood: null, blockNs: 600_000_000_000n, monitor: false } };
