// ARP for IPv4 over Ethernet (RFC 826).
import { ipBytes, macToBytes } from './addr.ts';
import { type Layer, u16 } from './layer.ts';

export interface ArpOptions {
  /** 1 request (default), 2 reply, or any value. */
  op?: number | 'request' | 'reply';
  /** Sender hardware and protocol address. */
  sha?: string | Uint8Array;
  spa: string | Uint8Array;
  /** Target hardware address; zeros for a request by default. */
  tha?: string | Uint8Array;
  tpa: string | Uint8Array;
}

export function arpLayer(opts: ArpOptions): Layer {
  const op = opts.op === 'reply' ? 2 : opts.op === 'request' || opts.op === undefined ? 1 : u16(opts.op, 'arp.op');
  const sha = macToBytes(opts.sha ?? '02:00:00:00:00:01');
  const tha = macToBytes(opts.tha ?? '00:00:00:00:00:00');
  const spa = ipBytes(opts.spa, 4);
  const tpa = ipBytes(opts.tpa, 4);
  return {
    kind: 'arp',
    ethertype: 0x0806,
    encode(inner) {
      const h = Buffer.alloc(28);
      h.writeUInt16BE(1, 0); // hardware type Ethernet
      h.writeUInt16BE(0x0800, 2); // protocol type IPv4
      h[4] = 6;
      h[5] = 4;
      h.writeUInt16BE(op, 6);
      sha.copy(h, 8);
      spa.copy(h, 14);
      tha.copy(h, 18);
      tpa.copy(h, 24);
      return Buffer.concat([h, inner]);
    },
  };
}
