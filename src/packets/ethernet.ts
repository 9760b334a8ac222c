// Ethernet II header: dst MAC, src MAC, ethertype.
import { macToBytes } from './addr.ts';
import { type Layer, nextEthertype, u16 } from './layer.ts';

export const ETH_P = { IPV4: 0x0800, ARP: 0x0806, VLAN: 0x8100, QINQ: 0x88a8, IPV6: 0x86dd } as const;

export interface EtherOptions {
  src?: string | Uint8Array;
  dst?: string | Uint8Array;
  /** Ethertype; inferred from the next layer when omitted. */
  type?: number;
}

export const DEFAULT_SRC_MAC = '02:00:00:00:00:01';
export const DEFAULT_DST_MAC = '02:00:00:00:00:02';

export function etherLayer(opts: EtherOptions = {}): Layer {
  const src = macToBytes(opts.src ?? DEFAULT_SRC_MAC);
  const dst = macToBytes(opts.dst ?? DEFAULT_DST_MAC);
  if (opts.type !== undefined) u16(opts.type, 'ether.type');
  return {
    kind: 'ether',
    encode(inner, { next }) {
      const h = Buffer.alloc(14);
      dst.copy(h, 0);
      src.copy(h, 6);
      h.writeUInt16BE(nextEthertype('ether', opts.type, next), 12);
      return Buffer.concat([h, inner]);
    },
  };
}
