// ip_proto: the IP protocol number. `ip_proto:[!|<|>]<number|name>;`
import { parseInteger, whole } from '../syntax/values.ts';
import { ruleKeyword } from './types.ts';

const NAMES: Record<string, number> = {
  hopopt: 0, icmp: 1, igmp: 2, ggp: 3, ipip: 4, ipencap: 4, st: 5, tcp: 6, egp: 8, igp: 9, pup: 12, udp: 17,
  hmp: 20, 'xns-idp': 22, rdp: 27, 'iso-tp4': 29, dccp: 33, xtp: 36, ddp: 37, 'idpr-cmtp': 38, ipv6: 41,
  'ipv6-route': 43, 'ipv6-frag': 44, idrp: 45, rsvp: 46, gre: 47, esp: 50, ah: 51, skip: 57, 'ipv6-icmp': 58,
  icmpv6: 58, 'ipv6-nonxt': 59, 'ipv6-opts': 60, rspf: 73, vmtp: 81, eigrp: 88, ospf: 89, ospfigp: 89,
  'ax.25': 93, ipip4: 94, etherip: 97, encap: 98, pim: 103, ipcomp: 108, vrrp: 112, l2tp: 115, isis: 124,
  sctp: 132, fc: 133, 'mobility-header': 135, udplite: 136, 'mpls-in-ip': 137, manet: 138, hip: 139,
  shim6: 140, wesp: 141, rohc: 142, ethernet: 143,
};

export interface IpProtoValue {
  mode: 'eq' | 'ne' | 'lt' | 'gt';
  value: number;
}

export const ipProto = ruleKeyword<IpProtoValue>({
  role: 'rule',
  name: 'ip_proto',
  description: 'match the IP protocol number (or name)',
  value: 'required',
  negatable: true,
  parse(v) {
    const p = whole(v);
    const modes = { '!': 'ne', '<': 'lt', '>': 'gt' } as const;
    const m = modes[p.text[0] as keyof typeof modes];
    const t = (m ? p.text.slice(1) : p.text).trim();
    const n = parseInteger(t, 0, 255) ?? NAMES[t.toLowerCase()];
    if (n === undefined) {
      v.error('E_BAD_VALUE', `ip_proto: "${t}" is not a protocol number (0-255) or name`, p);
      return undefined;
    }
    if ((m === 'lt' && n === 0) || (m === 'gt' && n === 255)) {
      v.error('E_BAD_VALUE', `ip_proto:${p.text} can never match`, p);
      return undefined;
    }
    return { mode: m ?? 'eq', value: n };
  },
  lower(v, r) {
    (r.header.ipProto ??= []).push(v);
  },
});
