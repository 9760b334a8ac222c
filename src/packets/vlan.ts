// 802.1Q / 802.1ad VLAN tag. The tag's TPID is what the header before it announces (its
// ethertype); the tag itself holds the TCI and the ethertype of what follows.
import { type Layer, nextEthertype, u16 } from './layer.ts';

export interface VlanOptions {
  id: number;
  /** Priority code point, 0..7. */
  pcp?: number;
  /** Drop eligible indicator. */
  dei?: boolean;
  /** 0x8100 (802.1Q, default) or 0x88a8 (802.1ad S-tag); any value for malformed tests. */
  tpid?: number;
  /** Ethertype of the next layer; inferred when omitted. */
  type?: number;
}

export function vlanLayer(opts: VlanOptions | number): Layer {
  const o: VlanOptions = typeof opts === 'number' ? { id: opts } : opts;
  if (!Number.isInteger(o.id) || o.id < 0 || o.id > 0xfff) throw new Error(`vlan.id must be 0..4095, got ${o.id}`);
  const pcp = o.pcp ?? 0;
  if (!Number.isInteger(pcp) || pcp < 0 || pcp > 7) throw new Error(`vlan.pcp must be 0..7, got ${pcp}`);
  return {
    kind: 'vlan',
    ethertype: u16(o.tpid ?? 0x8100, 'vlan.tpid'),
    encode(inner, { next }) {
      const h = Buffer.alloc(4);
      h.writeUInt16BE((pcp << 13) | ((o.dei ? 1 : 0) << 12) | o.id, 0);
      h.writeUInt16BE(nextEthertype('vlan', o.type, next), 2);
      return Buffer.concat([h, inner]);
    },
  };
}
