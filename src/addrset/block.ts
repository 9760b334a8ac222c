// The dynamic block list: prefixes with an expiry, added by hand (`fwctl block add`) or by a
// detector (source 'auto'). These four functions are the only way anything writes it.
//
// Times are CLOCK_MONOTONIC nanoseconds (clock.ts): the XDP program drops a packet from or to a
// blocked prefix while its ts_ns < expires_ns. Expired entries stop matching at once and are
// removed by blockGc (run by blockList, `fwctl block gc`, later the daemon). Every writer holds the
// block lock, so fw_aset_count's block slots are exact: raised before an insert, lowered after a
// delete, recounted by gc.
import { BLOCK_NEVER, BLOCK_REASON_LEN, BlockSource, type BlockSourceName, FW_BLOCK, FW_LPM_V4, FW_LPM_V6 } from '../abi/index.ts';
import type { DatapathHandle } from '../datapath/index.ts';
import type { BpfMap } from '../native/index.ts';
import { monotonicNowNs } from './clock.ts';
import { AddrSetError } from './errors.ts';
import { withSetLock, type LockOptions } from './lock.ts';
import { type AsetMaps, withMaps } from './maps.ts';
import { type Family, formatPrefix, parsePrefix, type Prefix } from './prefix.ts';

export interface BlockAddOptions {
  /** Time to live in milliseconds; null or absent: until deleted. */
  ttlMs?: number | null;
  /** Why (shown by `fwctl block list`), at most 40 bytes of UTF-8. */
  reason?: string;
  source?: BlockSourceName;
  /** The CLOCK_MONOTONIC "now" the TTL counts from (default: the clock; tests and replays pass one). */
  nowNs?: bigint;
  lock?: LockOptions;
}

export interface BlockEntry {
  prefix: string;
  family: Family;
  source: BlockSourceName;
  reason: string;
  /** CLOCK_MONOTONIC ns when first added. */
  addedNs: bigint;
  /** CLOCK_MONOTONIC ns from which packets pass again; null: never. */
  expiresNs: bigint | null;
  /** Packets this entry dropped. */
  hits: bigint;
}

export interface BlockAddResult {
  entry: BlockEntry;
  /** False when the prefix was already blocked: its expiry, reason and source were replaced, its
   *  added time and hits kept. */
  created: boolean;
}

export interface BlockGcResult {
  removed: BlockEntry[];
  remaining: number;
}

const FAMILIES: readonly Family[] = [4, 6];
const SOURCE_NAMES = Object.fromEntries(Object.entries(BlockSource).map(([k, v]) => [v, k])) as Record<number, BlockSourceName>;
const B = FW_BLOCK.off;
const CHUNK = 4096;

function keyOf(p: Prefix): Buffer {
  const key = Buffer.alloc(p.family === 4 ? FW_LPM_V4.size : FW_LPM_V6.size);
  key.writeUInt32LE(p.len, 0);
  p.addr.copy(key, 4);
  return key;
}

function prefixOfKey(family: Family, key: Buffer, at = 0): string {
  return formatPrefix(family, key.subarray(at + 4, at + 4 + (family === 4 ? 4 : 16)), key.readUInt32LE(at));
}

function decode(family: Family, key: Buffer, kAt: number, v: Buffer, vAt: number): BlockEntry {
  const expires = v.readBigUInt64LE(vAt + B.expires_ns);
  const raw = v.subarray(vAt + B.reason, vAt + B.reason + BLOCK_REASON_LEN);
  const nul = raw.indexOf(0);
  return {
    prefix: prefixOfKey(family, key, kAt),
    family,
    source: SOURCE_NAMES[v.readUInt8(vAt + B.source)] ?? 'manual',
    reason: raw.subarray(0, nul < 0 ? raw.length : nul).toString('utf8'),
    addedNs: v.readBigUInt64LE(vAt + B.added_ns),
    expiresNs: expires === BLOCK_NEVER ? null : expires,
    hits: v.readBigUInt64LE(vAt + B.hits),
  };
}

function reasonBytes(reason: string): Buffer {
  const b = Buffer.from(reason, 'utf8');
  if (b.length > BLOCK_REASON_LEN) {
    throw new AddrSetError('E_ASET_REASON_TOO_LONG', `the reason is ${b.length} bytes of UTF-8, at most ${BLOCK_REASON_LEN}`);
  }
  return b;
}

function isExpired(v: Buffer, vAt: number, nowNs: bigint): boolean {
  return v.readBigUInt64LE(vAt + B.expires_ns) <= nowNs;
}

/** The entry stored for exactly this prefix (a trie lookup returns the longest match, which is
 *  this prefix only when its length is the key's). */
function exact(map: BpfMap, key: Buffer): Buffer | null {
  const v = map.lookup(key);
  return v && v.readUInt32LE(B.prefixlen) === key.readUInt32LE(0) ? v : null;
}

/** Blocks `prefix` (text, e.g. "198.18.7.0/24" or an address) for ttlMs, or until deleted. */
export function blockAdd(dp: DatapathHandle, prefix: string, opts: BlockAddOptions = {}): BlockAddResult {
  const p = parsePrefix(prefix);
  const reason = reasonBytes(opts.reason ?? '');
  const ttl = opts.ttlMs ?? null;
  if (ttl !== null && (!Number.isFinite(ttl) || ttl <= 0)) throw new AddrSetError('E_ASET_BAD_TTL', `a TTL must be positive, got ${ttl} ms`);
  const now = opts.nowNs ?? monotonicNowNs();
  const expires = ttl === null ? BLOCK_NEVER : now + BigInt(Math.round(ttl * 1e6));
  const key = keyOf(p);
  return withMaps(dp, (m) => withSetLock(m.lock, 'block', () => {
    const map = m.block(p.family);
    const old = exact(map, key);
    const keep = old !== null && !isExpired(old, 0, now);
    const v = Buffer.alloc(FW_BLOCK.size);
    v.writeBigUInt64LE(expires, B.expires_ns);
    v.writeBigUInt64LE(keep ? old.readBigUInt64LE(B.added_ns) : now, B.added_ns);
    v.writeBigUInt64LE(keep ? old.readBigUInt64LE(B.hits) : 0n, B.hits);
    v.writeUInt32LE(p.len, B.prefixlen);
    v.writeUInt8(BlockSource[opts.source ?? 'manual'], B.source);
    reason.copy(v, B.reason);
    if (old) {
      map.update(key, v, 'exist');
    } else {
      const n = m.readCount('block', p.family);
      m.writeCount('block', p.family, n + 1); // before the insert: a live entry is never skipped
      try {
        map.update(key, v, 'noexist');
      } catch (e) {
        m.writeCount('block', p.family, n);
        const code = (e as { code?: string }).code;
        if (code === 'ENOSPC' || code === 'E2BIG') {
          throw new AddrSetError('E_ASET_FULL', `the IPv${p.family} block list is full (${map.info.maxEntries} entries)`, { cause: e });
        }
        throw e;
      }
    }
    return { entry: decode(p.family, key, 0, v, 0), created: old === null };
  }, opts.lock));
}

/** Unblocks exactly `prefix`; false when it was not blocked. */
export function blockDel(dp: DatapathHandle, prefix: string, opts: { lock?: LockOptions } = {}): boolean {
  const p = parsePrefix(prefix);
  const key = keyOf(p);
  return withMaps(dp, (m) => withSetLock(m.lock, 'block', () => {
    if (!m.block(p.family).delete(key)) return false;
    m.writeCount('block', p.family, Math.max(m.readCount('block', p.family) - 1, 0)); // after the delete
    return true;
  }, opts.lock));
}

function forEachEntry(map: BpfMap, fn: (key: Buffer, kAt: number, v: Buffer, vAt: number) => void): void {
  for (const b of map.batches(CHUNK)) {
    for (let i = 0; i < b.count; i++) fn(b.keys, i * map.info.keySize, b.values, i * map.valueBufferSize);
  }
}

function gcLocked(m: AsetMaps, nowNs: bigint): BlockGcResult {
  const removed: BlockEntry[] = [];
  let remaining = 0;
  for (const f of FAMILIES) {
    const map = m.block(f);
    const ks = map.info.keySize;
    const dead: Buffer[] = [];
    let live = 0;
    forEachEntry(map, (k, kAt, v, vAt) => {
      if (isExpired(v, vAt, nowNs)) {
        removed.push(decode(f, k, kAt, v, vAt));
        dead.push(Buffer.from(k.subarray(kAt, kAt + ks)));
      } else live++;
    });
    if (dead.length > 0) map.deleteBatch(Buffer.concat(dead), dead.length);
    // Recount: also repairs a count a writer that died between its two steps left too high.
    m.writeCount('block', f, live);
    remaining += live;
  }
  return { removed, remaining };
}

/** Removes expired entries (expires_ns <= nowNs) and recounts. */
export function blockGc(dp: DatapathHandle, opts: { nowNs?: bigint; lock?: LockOptions } = {}): BlockGcResult {
  const now = opts.nowNs ?? monotonicNowNs();
  return withMaps(dp, (m) => withSetLock(m.lock, 'block', () => gcLocked(m, now), opts.lock));
}

/** The unexpired entries, IPv4 then IPv6; with gc (the default) expired ones are removed first. */
export function blockList(dp: DatapathHandle, opts: { nowNs?: bigint; gc?: boolean; lock?: LockOptions } = {}): BlockEntry[] {
  const now = opts.nowNs ?? monotonicNowNs();
  return withMaps(dp, (m) => withSetLock(m.lock, 'block', () => {
    if (opts.gc !== false) gcLocked(m, now);
    const out: BlockEntry[] = [];
    for (const f of FAMILIES) {
      forEachEntry(m.block(f), (k, kAt, v, vAt) => {
        if (!isExpired(v, vAt, now)) out.push(decode(f, k, kAt, v, vAt));
      });
    }
    return out;
  }, opts.lock));
}

/** Entries per family as fw_aset_count has them (expired ones included until the next gc). */
export function blockCount(dp: DatapathHandle): { v4: number; v6: number } {
  return withMaps(dp, (m) => ({ v4: m.readCount('block', 4), v6: m.readCount('block', 6) }));
}
