// A realistic TCP conversation as timed frames: 3-way handshake, data both ways with correct
// seq/ack (segmented at the MSS, each burst acknowledged), then FIN teardown or RST.
import { ipVersion } from './addr.ts';
import type { Bytes } from './layer.ts';
import { toBytes } from './layer.ts';
import { Packet } from './packet.ts';
import type { TcpOption } from './tcp.ts';

export interface TcpEndpoint {
  ip: string;
  port: number;
  mac?: string;
}

export type Side = 'client' | 'server';

export interface TcpSessionOptions {
  client: TcpEndpoint;
  server: TcpEndpoint;
  /** Data sent in order; each is segmented at `mss` and acknowledged by the other side. */
  exchanges?: Array<{ from: Side; data: Bytes }>;
  /** How the session ends: FIN both ways (default), a RST, or not at all. */
  end?: 'fin' | 'rst' | 'none';
  /** Who closes first (FIN) or resets (RST). Default client. */
  closer?: Side;
  clientIsn?: number;
  serverIsn?: number;
  mss?: number;
  window?: number;
  /** 802.1Q tag on every frame. */
  vlan?: number;
  /** IPv4 TTL or IPv6 hop limit. */
  ttl?: number;
  /** Time of the SYN and the gap between frames (default 1 ms). */
  startNs?: bigint;
  gapNs?: bigint;
}

export interface TimedFrame {
  tsNs: bigint;
  frame: Buffer<ArrayBuffer>;
  from: Side;
}

interface SideState {
  ep: TcpEndpoint;
  next: number;
  ipId: number;
}

export function tcpSession(o: TcpSessionOptions): TimedFrame[] {
  const v = ipVersion(o.client.ip);
  if (ipVersion(o.server.ip) !== v) throw new Error('tcpSession: client and server must both be IPv4 or both IPv6');
  const mss = o.mss ?? 1460;
  if (!Number.isInteger(mss) || mss < 1) throw new Error(`tcpSession: mss must be a positive integer, got ${mss}`);
  const st: Record<Side, SideState> = {
    client: { ep: o.client, next: (o.clientIsn ?? 0x1000) >>> 0, ipId: 0x100 },
    server: { ep: o.server, next: (o.serverIsn ?? 0x8000) >>> 0, ipId: 0x200 },
  };
  const other = (s: Side): Side => (s === 'client' ? 'server' : 'client');
  const out: TimedFrame[] = [];
  let ts = o.startNs ?? 1_700_000_000_000_000_000n;
  const gap = o.gapNs ?? 1_000_000n;

  const send = (from: Side, flags: string, data: Buffer = Buffer.alloc(0), options?: TcpOption[]): void => {
    const me = st[from];
    const peer = st[other(from)];
    let p: Packet = new Packet().ether({ src: me.ep.mac ?? defaultMac(from), dst: peer.ep.mac ?? defaultMac(other(from)) });
    if (o.vlan !== undefined) p = p.vlan(o.vlan);
    p = v === 4
      ? p.ipv4({ src: me.ep.ip, dst: peer.ep.ip, ttl: o.ttl ?? 64, id: me.ipId, df: true })
      : p.ipv6({ src: me.ep.ip, dst: peer.ep.ip, hopLimit: o.ttl ?? 64 });
    me.ipId = (me.ipId + 1) & 0xffff;
    const ack = flags.includes('A') ? peer.next : 0;
    p = p.tcp({ sport: me.ep.port, dport: peer.ep.port, seq: me.next, ack, flags, window: o.window ?? 64240, options });
    if (data.length) p = p.payload(data);
    out.push({ tsNs: ts, frame: p.build(), from });
    ts += gap;
    me.next = (me.next + data.length + (flags.includes('S') || flags.includes('F') ? 1 : 0)) >>> 0;
  };

  const synOpts: TcpOption[] = [{ kind: 'mss', value: Math.min(mss, 0xffff) }, { kind: 'nop' }, { kind: 'wscale', value: 7 }, { kind: 'nop' }, { kind: 'nop' }, { kind: 'sackOk' }];
  send('client', 'S', undefined, synOpts);
  send('server', 'SA', undefined, synOpts);
  send('client', 'A');

  for (const ex of o.exchanges ?? []) {
    const data = toBytes(ex.data);
    for (let off = 0; off < data.length; off += mss) send(ex.from, 'PA', data.subarray(off, off + mss));
    send(other(ex.from), 'A');
  }

  const closer = o.closer ?? 'client';
  if ((o.end ?? 'fin') === 'fin') {
    send(closer, 'FA');
    send(other(closer), 'A');
    send(other(closer), 'FA');
    send(closer, 'A');
  } else if (o.end === 'rst') {
    send(closer, 'RA');
  }
  return out;
}

function defaultMac(side: Side): string {
  return side === 'client' ? '02:00:00:00:00:01' : '02:00:00:00:00:02';
}
