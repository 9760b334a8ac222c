// A packet described in one line, as an operator types it for `fwctl trace`:
//   tcp 198.18.1.2:1234 -> 198.18.2.2:80 flags S
//   udp [2001:2:0:1::2]:5353 -> [2001:2:0:2::2]:53 len 40
//   icmp 198.18.1.2 -> 198.18.2.2 type 8 code 0 ttl 3
//   ip 198.18.1.2 -> 198.18.2.2 proto 47
// On a command line the description is one quoted argument or its words (a bare "->" is a word:
// src/cli/args.ts reads only "-" and a letter as an option), or written with "to" for "->".
// Words after the addresses: flags F|S|R|P|A|U|E|C... (TCP, default S), ttl N, len N (payload
// bytes), type T and code C (ICMP/ICMPv6; names echo-request, echo-reply), id N and seq N (ICMP
// echo), vlan N (repeatable), proto N (ip). The frame is built with src/packets.
import { isIP } from 'node:net';

import { ether, type Packet } from '../packets/index.ts';
import { ControlError } from './errors.ts';

export interface PacketSpec {
  proto: 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'ip';
  family: 4 | 6;
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
  flags: string;
  ttl: number;
  len: number;
  type?: number;
  code: number;
  id?: number;
  seq?: number;
  vlans: number[];
  ipProto?: number;
}

function bad(message: string): ControlError {
  return new ControlError('E_TRACE_PACKET', 'args', 'invalid', `packet description: ${message}`);
}

function endpoint(text: string, what: string): { addr: string; port?: number } {
  let addr = text;
  let port: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw bad(`${what} "${text}": "[" without "]"`);
    addr = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest) {
      if (!rest.startsWith(':')) throw bad(`${what} "${text}": expected ":PORT" after "]"`);
      port = rest.slice(1);
    }
  } else if ((text.match(/:/g) ?? []).length === 1) {
    [addr, port] = text.split(':');
  }
  if (!isIP(addr)) throw bad(`${what} "${addr}" is not an IPv4 or IPv6 address`);
  if (port === undefined) return { addr };
  return { addr, port: num(port, `${what} port`, 0, 65535) };
}

function num(text: string | undefined, what: string, min: number, max: number): number {
  if (text === undefined || !/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw bad(`${what} must be a number ${min}-${max}${text === undefined ? '' : `, not "${text}"`}`);
  }
  return Number(text);
}

const ICMP_NAMES: Record<string, [number, number]> = { 'echo-request': [8, 128], 'echo-reply': [0, 129], unreach: [3, 1] };

export function parsePacketSpec(words: readonly string[]): PacketSpec {
  const w = words.flatMap((x) => x.split(/\s+/)).filter(Boolean);
  if (w.length < 4) throw bad('expected "PROTO SRC[:PORT] -> DST[:PORT] [words]", e.g. "tcp 198.18.1.2:1234 -> 198.18.2.2:80 flags S"');
  const proto = w[0].toLowerCase();
  if (!['tcp', 'udp', 'icmp', 'icmpv6', 'ip'].includes(proto)) throw bad(`protocol "${w[0]}": tcp, udp, icmp, icmpv6 or ip`);
  if (w[2] !== '->' && w[2] !== 'to') throw bad(`expected "->" (or "to") between the source and the destination, not "${w[2]}"`);
  const s = endpoint(w[1], 'source');
  const d = endpoint(w[3], 'destination');
  const family = isIP(s.addr) as 4 | 6;
  if (isIP(d.addr) !== family) throw bad('the source and the destination must be the same family');
  const spec: PacketSpec = {
    proto: (proto === 'icmp' && family === 6 ? 'icmpv6' : proto) as PacketSpec['proto'],
    family, src: s.addr, dst: d.addr, flags: 'S', ttl: 64, len: 0, code: 0, vlans: [],
  };
  if (spec.proto === 'icmpv6' && family === 4) throw bad('icmpv6 needs IPv6 addresses');
  const ported = spec.proto === 'tcp' || spec.proto === 'udp';
  if (!ported && (s.port !== undefined || d.port !== undefined)) throw bad(`${spec.proto} has no ports`);
  if (ported) {
    spec.sport = s.port ?? 40000;
    if (d.port === undefined) throw bad(`${spec.proto} needs the destination port (DST:PORT, [V6]:PORT)`);
    spec.dport = d.port;
  }
  for (let i = 4; i < w.length; i += 2) {
    const key = w[i].toLowerCase();
    const val = w[i + 1];
    if (val === undefined) throw bad(`"${w[i]}" needs a value`);
    switch (key) {
      case 'flags':
        if (spec.proto !== 'tcp') throw bad('flags are for tcp');
        if (!/^[FSRPAUECN0]+$/i.test(val)) throw bad(`flags "${val}": letters F S R P A U E C N, or 0`);
        spec.flags = val === '0' ? '' : val.toUpperCase();
        break;
      case 'ttl': case 'hlim': spec.ttl = num(val, 'ttl', 0, 255); break;
      case 'len': case 'payload': spec.len = num(val, 'len', 0, 1400); break;
      case 'type': {
        if (spec.proto !== 'icmp' && spec.proto !== 'icmpv6') throw bad('type is for icmp and icmpv6');
        const named = ICMP_NAMES[val.toLowerCase()];
        spec.type = named ? named[family === 4 ? 0 : 1] : num(val, 'type', 0, 255);
        break;
      }
      case 'code': spec.code = num(val, 'code', 0, 255); break;
      case 'id': spec.id = num(val, 'id', 0, 65535); break;
      case 'seq': spec.seq = num(val, 'seq', 0, 65535); break;
      case 'vlan':
        if (spec.vlans.length === 2) throw bad('at most two VLAN tags');
        spec.vlans.push(num(val, 'vlan', 0, 4095));
        break;
      case 'proto':
        if (spec.proto !== 'ip') throw bad('proto is for ip');
        spec.ipProto = num(val, 'proto', 0, 255);
        break;
      default:
        throw bad(`unknown word "${w[i]}": flags, ttl, len, type, code, id, seq, vlan, proto`);
    }
  }
  return spec;
}

/** The Ethernet frame of a packet description. */
export function buildPacket(s: PacketSpec): Buffer {
  let p: Packet = ether({});
  for (const v of s.vlans) p = p.vlan(v);
  p = s.family === 4 ? p.ipv4({ src: s.src, dst: s.dst, ttl: s.ttl, proto: s.proto === 'ip' ? s.ipProto ?? 255 : undefined })
    : p.ipv6({ src: s.src, dst: s.dst, hopLimit: s.ttl, nextHeader: s.proto === 'ip' ? s.ipProto ?? 255 : undefined });
  if (s.proto === 'tcp') p = p.tcp({ sport: s.sport as number, dport: s.dport as number, flags: s.flags === '' ? 0 : s.flags });
  else if (s.proto === 'udp') p = p.udp({ sport: s.sport as number, dport: s.dport as number });
  else if (s.proto === 'icmp') p = p.icmp({ type: s.type ?? 8, code: s.code, id: s.id, seq: s.seq });
  else if (s.proto === 'icmpv6') p = p.icmpv6({ type: s.type ?? 128, code: s.code, id: s.id, seq: s.seq });
  if (s.len > 0) p = p.payload(Buffer.alloc(s.len, 0x61));
  return p.build();
}

/** The description back as one line (for output). */
export function formatPacketSpec(s: PacketSpec): string {
  const ep = (a: string, port?: number) => (port === undefined ? a : s.family === 6 ? `[${a}]:${port}` : `${a}:${port}`);
  const words = [s.proto, ep(s.src, s.sport), '->', ep(s.dst, s.dport)];
  if (s.proto === 'tcp') words.push('flags', s.flags || '0');
  if (s.proto === 'icmp' || s.proto === 'icmpv6') words.push('type', String(s.type ?? (s.family === 4 ? 8 : 128)), 'code', String(s.code));
  if (s.proto === 'ip') words.push('proto', String(s.ipProto ?? 255));
  if (s.ttl !== 64) words.push('ttl', String(s.ttl));
  if (s.len) words.push('len', String(s.len));
  for (const v of s.vlans) words.push('vlan', String(v));
  return words.join(' ');
}
