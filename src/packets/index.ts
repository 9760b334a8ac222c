// Packets as data: build frames layer by layer for tests and fixtures.
//   ether({ src, dst }).vlan(10).ipv4({ src: '198.18.0.1', dst: '198.18.1.1' }).tcp({ sport: 1234, dport: 80, flags: 'S' }).payload('GET /').build()
import type { EtherOptions } from './ethernet.ts';
import type { Ipv4Options } from './ipv4.ts';
import type { Ipv6Options } from './ipv6.ts';
import { Packet } from './packet.ts';

export { Packet } from './packet.ts';
export type { Layer, EncodeContext, IpScope, Bytes } from './layer.ts';
export { ipToBytes, bytesToIp, ipv6ToBytes, formatIPv6, macToBytes, bytesToMac, ipVersion, ipBytes } from './addr.ts';
export { onesSum, finish, inetChecksum, pseudoHeaderSum, corrupt, type ChecksumOption } from './checksum.ts';
export { ETH_P, type EtherOptions, etherLayer } from './ethernet.ts';
export { type VlanOptions, vlanLayer } from './vlan.ts';
export { type ArpOptions, arpLayer } from './arp.ts';
export { type Ipv4Options, ipv4Layer } from './ipv4.ts';
export { type Ipv6Options, ipv6Layer } from './ipv6.ts';
export { type Ipv6Option, type Ipv6OptionsHeaderOptions, hopByHopLayer, destOptsLayer, noNextLayer } from './ipv6-opts.ts';
export { type RoutingOptions, routingLayer } from './ipv6-routing.ts';
export { type FragmentOptions, fragmentLayer } from './ipv6-frag.ts';
export { type AhOptions, type EspOptions, ahLayer, espLayer } from './ipsec.ts';
export { type TcpOptions, type TcpOption, tcpLayer, tcpFlags, encodeTcpOptions } from './tcp.ts';
export { type UdpOptions, udpLayer } from './udp.ts';
export { ICMP_TYPE, type IcmpOptions, icmpLayer } from './icmp.ts';
export { ICMPV6_TYPE, type Icmpv6Options, icmpv6Layer } from './icmpv6.ts';
export { payloadLayer } from './payload.ts';
export { tcpSession, type TcpSessionOptions, type TimedFrame } from './tcp-session.ts';

/** Starts an Ethernet frame. */
export function ether(o: EtherOptions = {}): Packet {
  return new Packet().ether(o);
}

/** Starts a bare IPv4 packet (raw-IP link types, or an ICMP quote). */
export function ipv4(o: Ipv4Options): Packet {
  return new Packet().ipv4(o);
}

/** Starts a bare IPv6 packet. */
export function ipv6(o: Ipv6Options): Packet {
  return new Packet().ipv6(o);
}
