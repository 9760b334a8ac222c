// Header protocols, as Suricata's detect-engine-proto.c and app-layer names them.
import type { AppProto, Protocol } from './ir.ts';

export interface ProtoInfo {
  proto: Protocol;
  app: AppProto | null;
  /** false for protocols Suricata knows but fwctl cannot evaluate yet (skipped with a warning). */
  supported: boolean;
  /** false for protocols without ports (icmp), where a port in the header is an error. */
  ports: boolean;
}

const TCP = 6;
const UDP = 17;
const ICMP = 1;
const ICMPV6 = 58;
const SCTP = 132;

function p(name: string, ipProto: number[] | null, extra: Partial<Protocol> = {}): Protocol {
  return { name, ipProto, family: 'any', tcpMode: 'any', ...extra };
}

const table = new Map<string, ProtoInfo>();
function add(name: string, info: Omit<ProtoInfo, 'proto'> & { proto?: Protocol }, ipProto: number[] | null = null): void {
  table.set(name, { proto: info.proto ?? p(name, ipProto), ...info } as ProtoInfo);
}

add('ip', { app: null, supported: true, ports: true });
add('pkthdr', { app: null, supported: true, ports: true });
add('ipv4', { app: null, supported: true, ports: true, proto: p('ipv4', null, { family: 'ipv4' }) });
add('ip4', { app: null, supported: true, ports: true, proto: p('ip4', null, { family: 'ipv4' }) });
add('ipv6', { app: null, supported: true, ports: true, proto: p('ipv6', null, { family: 'ipv6' }) });
add('ip6', { app: null, supported: true, ports: true, proto: p('ip6', null, { family: 'ipv6' }) });
add('tcp', { app: null, supported: true, ports: true }, [TCP]);
add('tcp-pkt', { app: null, supported: true, ports: true, proto: p('tcp-pkt', [TCP], { tcpMode: 'pkt' }) });
add('tcp-stream', { app: null, supported: true, ports: true, proto: p('tcp-stream', [TCP], { tcpMode: 'stream' }) });
add('udp', { app: null, supported: true, ports: true }, [UDP]);
add('icmp', { app: null, supported: true, ports: false }, [ICMP, ICMPV6]);
add('icmpv4', { app: null, supported: true, ports: false }, [ICMP]);
add('icmpv6', { app: null, supported: true, ports: false }, [ICMPV6]);
add('sctp', { app: null, supported: true, ports: true }, [SCTP]);
add('http', { app: 'http', supported: true, ports: true }, [TCP]);
add('http1', { app: 'http', supported: true, ports: true }, [TCP]);
add('tls', { app: 'tls', supported: true, ports: true }, [TCP]);
add('dns', { app: 'dns', supported: true, ports: true }, [TCP, UDP]);

/** Application protocols Suricata parses that fwctl has no parser for yet. */
const UNSUPPORTED_APP: Array<[string, number[]]> = [
  ['http2', [TCP]], ['ftp', [TCP]], ['ftp-data', [TCP]], ['smtp', [TCP]], ['imap', [TCP]], ['pop3', [TCP]],
  ['smb', [TCP, UDP]], ['dcerpc', [TCP, UDP]], ['ssh', [TCP]], ['nfs', [TCP, UDP]], ['ntp', [UDP]],
  ['tftp', [UDP]], ['dhcp', [UDP]], ['krb5', [TCP, UDP]], ['snmp', [UDP]], ['sip', [TCP, UDP]],
  ['rfb', [TCP]], ['mqtt', [TCP]], ['rdp', [TCP]], ['modbus', [TCP]], ['dnp3', [TCP, UDP]],
  ['enip', [TCP, UDP]], ['ikev2', [UDP]], ['ike', [UDP]], ['quic', [UDP]], ['pgsql', [TCP]],
  ['telnet', [TCP]], ['websocket', [TCP]], ['ldap', [TCP, UDP]], ['bittorrent-dht', [UDP]],
  ['irc', [TCP]], ['jabber', [TCP]], ['doh2', [TCP]], ['mdns', [UDP]], ['dtls', [UDP]], ['pop', [TCP]],
  ['template', [TCP]], ['sctp-stream', [SCTP]], ['failed', [TCP]], ['nntp', [TCP]], ['ssdp', [UDP]],
];
for (const [name, ip] of UNSUPPORTED_APP) {
  table.set(name, { proto: p(name, ip), app: null, supported: false, ports: true });
}

export function lookupProtocol(name: string): ProtoInfo | undefined {
  return table.get(name.toLowerCase());
}

export function protocolNames(): string[] {
  return [...table.keys()];
}

/** Can a rule with this header protocol carry buffers of `app`? */
export function carries(info: ProtoInfo, app: AppProto): boolean {
  if (info.app) return info.app === app;
  const ip = info.proto.ipProto;
  if (ip === null) return true;
  if (app === 'dns') return ip.includes(TCP) || ip.includes(UDP);
  return ip.includes(TCP);
}
