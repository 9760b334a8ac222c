// The packet: an immutable list of layers with a scapy-like chain, built into bytes on demand.
import { arpLayer, type ArpOptions } from './arp.ts';
import { etherLayer, type EtherOptions } from './ethernet.ts';
import { icmpLayer, type IcmpOptions } from './icmp.ts';
import { icmpv6Layer, type Icmpv6Options } from './icmpv6.ts';
import { ahLayer, type AhOptions, espLayer, type EspOptions } from './ipsec.ts';
import { ipv4Layer, type Ipv4Options } from './ipv4.ts';
import { ipv6Layer, type Ipv6Options } from './ipv6.ts';
import { fragmentLayer, type FragmentOptions } from './ipv6-frag.ts';
import { destOptsLayer, hopByHopLayer, type Ipv6OptionsHeaderOptions, noNextLayer } from './ipv6-opts.ts';
import { routingLayer, type RoutingOptions } from './ipv6-routing.ts';
import type { Bytes, IpScope, Layer } from './layer.ts';
import { payloadLayer } from './payload.ts';
import { tcpLayer, type TcpOptions } from './tcp.ts';
import { udpLayer, type UdpOptions } from './udp.ts';
import { vlanLayer, type VlanOptions } from './vlan.ts';

export class Packet {
  constructor(readonly layers: readonly Layer[] = []) {}

  /** Appends any layer (including one written outside this folder). */
  push(layer: Layer): Packet {
    return new Packet([...this.layers, layer]);
  }

  ether(o: EtherOptions = {}): Packet { return this.push(etherLayer(o)); }
  vlan(o: VlanOptions | number): Packet { return this.push(vlanLayer(o)); }
  arp(o: ArpOptions): Packet { return this.push(arpLayer(o)); }
  ipv4(o: Ipv4Options): Packet { return this.push(ipv4Layer(o)); }
  ipv6(o: Ipv6Options): Packet { return this.push(ipv6Layer(o)); }
  hopByHop(o: Ipv6OptionsHeaderOptions = {}): Packet { return this.push(hopByHopLayer(o)); }
  destOpts(o: Ipv6OptionsHeaderOptions = {}): Packet { return this.push(destOptsLayer(o)); }
  routing(o: RoutingOptions = {}): Packet { return this.push(routingLayer(o)); }
  fragment(o: FragmentOptions = {}): Packet { return this.push(fragmentLayer(o)); }
  ah(o: AhOptions = {}): Packet { return this.push(ahLayer(o)); }
  esp(o: EspOptions = {}): Packet { return this.push(espLayer(o)); }
  noNext(): Packet { return this.push(noNextLayer()); }
  tcp(o: TcpOptions): Packet { return this.push(tcpLayer(o)); }
  udp(o: UdpOptions): Packet { return this.push(udpLayer(o)); }
  icmp(o: IcmpOptions = {}): Packet { return this.push(icmpLayer(o)); }
  icmpv6(o: Icmpv6Options = {}): Packet { return this.push(icmpv6Layer(o)); }
  payload(data: Bytes): Packet { return this.push(payloadLayer(data)); }

  /** Encodes the layers: innermost first, so each header sees the exact bytes it covers. */
  build(): Buffer<ArrayBuffer> {
    const n = this.layers.length;
    const scopes: Array<IpScope | undefined> = new Array(n);
    let scope: IpScope | undefined;
    for (let i = 0; i < n; i++) {
      scopes[i] = scope;
      const l = this.layers[i];
      if (l.scope) scope = l.scope(scope);
    }
    let inner: Buffer<ArrayBuffer> = Buffer.alloc(0);
    for (let i = n - 1; i >= 0; i--) {
      inner = this.layers[i].encode(inner, { next: this.layers[i + 1], ip: scopes[i] });
    }
    return inner;
  }
}
