// A protected service: its text form (ADDR:PORT, [ADDR6]:PORT), its settings, and the fw_sc_key /
// fw_sc_svc encodings (bpf/include/fwctl_abi.h).
import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';

import { Family, FW_SC_KEY, FW_SC_SVC, ScMode, type ScModeName } from '../abi/index.ts';
import { formatIPv6, ipToBytes, ipv6ToBytes } from '../packets/index.ts';
import { SynproxyError } from './errors.ts';

export interface ServiceAddr {
  family: 4 | 6;
  /** Canonical text (IPv6 compressed). */
  addr: string;
  port: number;
}

/** Parses `198.18.1.2:8080` or `[2001:2::2]:8080`. */
export function parseService(text: string): ServiceAddr {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:[\]]+):(\d+)$/.exec(text);
  const bad = (why: string) => new SynproxyError('E_SP_BAD_SERVICE', `"${text}": ${why}`);
  if (!m) throw bad('expected ADDRESS:PORT or [IPV6]:PORT');
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad(`port ${m[2]} is not 1-65535`);
  if (isIPv4(m[1])) {
    if (text.startsWith('[')) throw bad('brackets are for IPv6 addresses');
    return { family: 4, addr: m[1], port };
  }
  if (isIPv6(m[1]) && text.startsWith('[')) {
    if (m[1].includes('%')) throw bad('a zone id is not an address');
    return { family: 6, addr: formatIPv6(ipv6ToBytes(m[1])), port };
  }
  throw bad(`"${m[1]}" is not an IPv4 or bracketed IPv6 address`);
}

export function formatService(s: ServiceAddr): string {
  return s.family === 4 ? `${s.addr}:${s.port}` : `[${s.addr}]:${s.port}`;
}

/** What userspace sets for a service (fw_sc_svc's userspace half). */
export const settingsSchema = z.strictObject({
  mode: z.enum(['auto', 'always']).default('auto'),
  /** Half-open SYNs per window tolerated before cookie mode (auto). */
  threshold: z.number().int().min(0).max(0xffffffff).default(1000),
  /** Window length in ms. */
  windowMs: z.number().int().min(1).max(3_600_000).default(1000),
  /** MSS and window scale of the SYN-ACK (and of the nft synproxy statement). 0: 1460 / 1440 by family. */
  mss: z.number().int().min(536).max(65535).optional(),
  wscale: z.number().int().min(0).max(14).default(7),
});
export type SettingsInput = z.input<typeof settingsSchema>;
export type Settings = z.output<typeof settingsSchema> & { mss: number };

export function checkSettings(input: SettingsInput, family: 4 | 6): Settings {
  const r = settingsSchema.safeParse(input);
  if (!r.success) throw new SynproxyError('E_SP_BAD_OPTION', z.prettifyError(r.error));
  return { ...r.data, mss: r.data.mss ?? (family === 4 ? 1460 : 1440) };
}

export interface ServiceState {
  cookieOn: boolean;
  windowStartNs: bigint;
  windowSyn: number;
  windowDone: number;
  prevHalfOpen: number;
  synAnswered: bigint;
  ackValid: bigint;
  ackInvalid: bigint;
}

export interface Service extends ServiceAddr {
  settings: Settings;
  state: ServiceState;
}

const K = FW_SC_KEY.off;
const V = FW_SC_SVC.off;

export function encodeKey(s: ServiceAddr, out = Buffer.alloc(FW_SC_KEY.size)): Buffer {
  out.fill(0);
  const a = s.family === 4 ? ipToBytes(s.addr) : ipv6ToBytes(s.addr);
  Buffer.from(a).copy(out, K.addr);
  out.writeUInt16LE(s.port, K.port);
  out.writeUInt8(s.family === 4 ? Family.ipv4 : Family.ipv6, K.family);
  return out;
}

export function decodeKey(b: Buffer): ServiceAddr {
  const family = b.readUInt8(K.family) === Family.ipv6 ? 6 : 4;
  const raw = b.subarray(K.addr, K.addr + (family === 4 ? 4 : 16));
  const addr = family === 4 ? Array.from(raw).join('.') : formatIPv6(raw);
  return { family, addr, port: b.readUInt16LE(K.port) };
}

/** The value as written by userspace: settings, and a zeroed estimate and totals. */
export function encodeValue(st: Settings): Buffer {
  const b = Buffer.alloc(FW_SC_SVC.size);
  b.writeBigUInt64LE(BigInt(st.windowMs) * 1_000_000n, V.window_ns);
  b.writeUInt32LE(st.threshold, V.threshold);
  b.writeUInt8(ScMode[st.mode], V.mode);
  b.writeUInt8(st.wscale, V.wscale);
  b.writeUInt16LE(st.mss, V.mss);
  return b;
}

export function decodeValue(b: Buffer): { settings: Settings; state: ServiceState } {
  const mode = (Object.keys(ScMode) as ScModeName[]).find((k) => ScMode[k] === b.readUInt8(V.mode)) ?? 'auto';
  return {
    settings: {
      mode,
      threshold: b.readUInt32LE(V.threshold),
      windowMs: Number(b.readBigUInt64LE(V.window_ns) / 1_000_000n),
      mss: b.readUInt16LE(V.mss),
      wscale: b.readUInt8(V.wscale),
    },
    state: {
      cookieOn: b.readUInt32LE(V.cookie_on) !== 0,
      windowStartNs: b.readBigUInt64LE(V.win_start_ns),
      windowSyn: b.readUInt32LE(V.win_syn),
      windowDone: b.readUInt32LE(V.win_done),
      prevHalfOpen: b.readUInt32LE(V.prev_half_open),
      synAnswered: b.readBigUInt64LE(V.syn_answered),
      ackValid: b.readBigUInt64LE(V.ack_valid),
      ackInvalid: b.readBigUInt64LE(V.ack_invalid),
    },
  };
}
