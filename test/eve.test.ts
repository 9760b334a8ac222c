// EVE JSON alert records byte for byte against Suricata's, written out by hand from the examples
// in Suricata's "Eve JSON Format" documentation (7.0 and latest). What XDP cannot know (metadata,
// ether, tx_id, app_proto, direction, flow {...}) is left out of the expected lines; every other
// field keeps Suricata's name, order and formatting.
import test from 'ava';

import { EventAction, Family, FW_EVENT, Verdict } from '../src/abi/index.ts';
import {
  CLASSTYPE_DESCRIPTIONS, decodeEvent, eveAddress, eveAlert, eveTimestamp, flowId, formatEveAlert, type FwEvent,
  protoName, RuleTable,
} from '../src/events/index.ts';
import { ether, ipToBytes } from '../src/packets/index.ts';
import { compileRuleText } from '../src/rules/index.ts';
import { CLASSIFICATIONS } from '../src/rules/keywords/classifications.ts';
import { EventsFixture } from './events-fixture.ts';

const RULES = compileRuleText([{
  file: 'eve.rules',
  text: [
    'alert tcp any any -> any 80 (msg:"ET HUNTING GENERIC SUSPICIOUS POST to Dotted Quad with Fake Browser 1"; classtype:bad-unknown; sid:2018358; rev:10;)',
    'alert tcp any any -> any any (msg:"ET ATTACK_RESPONSE Win32/LeftHook Stealer Browser Extension Config Inbound"; classtype:trojan-activity; sid:2045001; rev:1;)',
    'drop icmp any any -> any any (msg:"ping \\"quoted\\" \\\\ and \u00e9"; sid:5; rev:3; priority:4;)',
    'reject udp any any -> any any (msg:"no classtype"; sid:6;)',
  ].join('\n'),
}]);
const TABLE = RuleTable.fromRules(RULES.rules);

interface Rec {
  tsNs: bigint;
  sid: number;
  ruleIdx: number;
  action?: keyof typeof EventAction;
  family?: 'ipv4' | 'ipv6';
  proto: number;
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
  icmpType?: number;
  icmpCode?: number;
  hasL4?: boolean;
  vlan?: number[];
}

/** A struct fw_event as the kernel writes it, then decoded: the formatter sees what a ring hands over. */
function record(r: Rec): FwEvent {
  const b = Buffer.alloc(FW_EVENT.size);
  const o = FW_EVENT.off;
  b.writeBigUInt64LE(r.tsNs, o.ts_ns);
  Buffer.from(ipToBytes(r.src)).copy(b, o.saddr);
  Buffer.from(ipToBytes(r.dst)).copy(b, o.daddr);
  b.writeUInt32LE(r.sid, o.sid);
  b.writeUInt32LE(r.ruleIdx, o.rule_idx);
  b.writeUInt16LE(r.sport ?? 0, o.sport);
  b.writeUInt16LE(r.dport ?? 0, o.dport);
  (r.vlan ?? []).forEach((v, i) => b.writeUInt16LE(v, o.vlan_id + 2 * i));
  b[o.vlan_depth] = (r.vlan ?? []).length;
  b[o.type] = 1;
  b[o.action] = EventAction[r.action ?? 'alert'];
  b[o.verdict] = Verdict.pass;
  b[o.family] = Family[r.family ?? 'ipv4'];
  b[o.l4_proto] = r.proto;
  b[o.icmp_type] = r.icmpType ?? 0;
  b[o.icmp_code] = r.icmpCode ?? 0;
  b[o.has_l4] = r.hasL4 === false ? 0 : 1;
  return decodeEvent(b);
}

/** Microseconds since the epoch as ns. */
const us = (s: string): bigint => BigInt(Date.parse(s)) * 1_000_000n;

const DOC_2017 = record({
  tsNs: us('2017-04-07T21:24:37.000Z') + 251_547_000n, sid: 2018358, ruleIdx: 0, proto: 6,
  src: '192.168.2.14', sport: 50096, dst: '209.53.113.5', dport: 80,
});
const DOC_2023 = record({
  tsNs: us('2023-09-18T06:13:41.000Z') + 532_140_999n, sid: 2045001, ruleIdx: 1, proto: 6,
  src: '142.11.240.191', sport: 35361, dst: '192.168.100.237', dport: 49175,
});

test('Suricata 7, the 2023 docs example: header order, pkt_src, the alert object', (t) => {
  t.is(formatEveAlert(DOC_2023, TABLE, { pcapCnt: 130, flowId: false, suricataVersion: 7 }),
    '{"timestamp":"2023-09-18T06:13:41.532140+0000","pcap_cnt":130,"event_type":"alert",' +
    '"src_ip":"142.11.240.191","src_port":35361,"dest_ip":"192.168.100.237","dest_port":49175,"proto":"TCP",' +
    '"pkt_src":"wire/pcap","alert":{"action":"allowed","gid":1,"signature_id":2045001,"rev":1,' +
    '"signature":"ET ATTACK_RESPONSE Win32/LeftHook Stealer Browser Extension Config Inbound",' +
    '"category":"A Network Trojan was detected","severity":1}}');
});

test('Suricata 8 adds ip_v after proto', (t) => {
  t.is(formatEveAlert(DOC_2017, TABLE, { pcapCnt: 53381, flowId: false }),
    '{"timestamp":"2017-04-07T21:24:37.251547+0000","pcap_cnt":53381,"event_type":"alert",' +
    '"src_ip":"192.168.2.14","src_port":50096,"dest_ip":"209.53.113.5","dest_port":80,"proto":"TCP","ip_v":4,' +
    '"pkt_src":"wire/pcap","alert":{"action":"allowed","gid":1,"signature_id":2018358,"rev":10,' +
    '"signature":"ET HUNTING GENERIC SUSPICIOUS POST to Dotted Quad with Fake Browser 1",' +
    '"category":"Potentially Bad Traffic","severity":2}}');
});

test('local time with its offset, as Suricata prints it: the 2017 docs timestamp in Europe/London', (t) => {
  const saved = process.env.TZ;
  process.env.TZ = 'Europe/London';
  try {
    t.is(eveTimestamp(DOC_2017.tsNs, 'local'), '2017-04-07T22:24:37.251547+0100');
    t.is(eveTimestamp(us('2017-01-07T21:24:37.000Z'), 'local'), '2017-01-07T21:24:37.000000+0000', 'winter: GMT');
    process.env.TZ = 'America/St_Johns';
    t.is(eveTimestamp(us('2017-01-07T21:24:37.000Z') + 999n, 'local'), '2017-01-07T17:54:37.000000-0330',
      'negative half-hour offset; nanoseconds truncated to microseconds');
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
  t.is(eveTimestamp(1n), '1970-01-01T00:00:00.000000+0000');
});

test('flow_id, in_iface and pcap_cnt come first, in Suricata\'s order; flow_id is the same both ways', (t) => {
  const line = formatEveAlert(DOC_2017, TABLE, { inIface: 'eth1', pcapCnt: 3 });
  const keys = Object.keys(JSON.parse(line));
  t.deepEqual(keys, ['timestamp', 'flow_id', 'in_iface', 'pcap_cnt', 'event_type', 'src_ip', 'src_port', 'dest_ip',
    'dest_port', 'proto', 'ip_v', 'pkt_src', 'alert']);
  const rev = record({ tsNs: 0n, sid: 1, ruleIdx: 0, proto: 6, src: '209.53.113.5', sport: 80, dst: '192.168.2.14', dport: 50096 });
  const other = record({ tsNs: 0n, sid: 1, ruleIdx: 0, proto: 6, src: '209.53.113.5', sport: 81, dst: '192.168.2.14', dport: 50096 });
  t.is(flowId(rev), flowId(DOC_2017));
  t.not(flowId(other), flowId(DOC_2017));
  t.true(Number.isSafeInteger(flowId(DOC_2017)) && flowId(DOC_2017) < 2 ** 51);
  t.is(JSON.parse(line).flow_id, flowId(DOC_2017));
});

test('ICMP: no ports, icmp_type and icmp_code after proto; drop is "blocked"; escaping; explicit priority', (t) => {
  const e = record({ tsNs: us('2020-01-01T00:00:00.000Z'), sid: 5, ruleIdx: 2, action: 'drop', proto: 1,
    src: '198.18.0.1', dst: '198.18.0.2', icmpType: 8, icmpCode: 0 });
  t.is(formatEveAlert(e, TABLE, { flowId: false }),
    '{"timestamp":"2020-01-01T00:00:00.000000+0000","event_type":"alert","src_ip":"198.18.0.1",' +
    '"dest_ip":"198.18.0.2","proto":"ICMP","ip_v":4,"icmp_type":8,"icmp_code":0,"pkt_src":"wire/pcap",' +
    '"alert":{"action":"blocked","gid":1,"signature_id":5,"rev":3,"signature":"ping \\"quoted\\" \\\\ and \u00e9",' +
    '"category":"","severity":4}}');
});

test('IPv6 as Suricata prints it (every zero kept), VLAN ids after event_type, reject is "blocked"', (t) => {
  const e = record({ tsNs: us('2024-02-29T12:00:00.000Z') + 1_000n, sid: 6, ruleIdx: 3, action: 'reject', family: 'ipv6',
    proto: 17, src: '2001:2::1', sport: 5353, dst: 'ff02::fb', dport: 5353, vlan: [10, 20] });
  t.is(formatEveAlert(e, TABLE, { flowId: false, pcapCnt: 9 }),
    '{"timestamp":"2024-02-29T12:00:00.000001+0000","pcap_cnt":9,"event_type":"alert","vlan":[10,20],' +
    '"src_ip":"2001:0002:0000:0000:0000:0000:0000:0001","src_port":5353,' +
    '"dest_ip":"ff02:0000:0000:0000:0000:0000:0000:00fb","dest_port":5353,"proto":"UDP","ip_v":6,' +
    '"pkt_src":"wire/pcap","alert":{"action":"blocked","gid":1,"signature_id":6,"rev":0,' +
    '"signature":"no classtype","category":"","severity":3}}');
  t.is(eveAlert(e, TABLE, { ipv6: 'short' }).src_ip, '2001:2::1');
  t.is(eveAddress(e.daddr, 'ipv6', 'short'), 'ff02::fb');
});

test('ICMPv6 is "IPv6-ICMP"; other protocols by Suricata\'s name or number; a non-first fragment has no ICMP fields', (t) => {
  const e = record({ tsNs: 0n, sid: 5, ruleIdx: 2, family: 'ipv6', proto: 58, src: '2001:2::1', dst: '2001:2::2', icmpType: 128 });
  t.like(eveAlert(e, TABLE), { proto: 'IPv6-ICMP', icmp_type: 128, icmp_code: 0 });
  const frag = record({ tsNs: 0n, sid: 5, ruleIdx: 2, proto: 1, src: '198.18.0.1', dst: '198.18.0.2', hasL4: false });
  t.false('icmp_type' in eveAlert(frag, TABLE));
  const tcpFrag = record({ tsNs: 0n, sid: 5, ruleIdx: 2, proto: 6, src: '198.18.0.1', dst: '198.18.0.2', hasL4: false });
  t.like(eveAlert(tcpFrag, TABLE), { src_port: 0, dest_port: 0 }, 'Suricata logs ports by protocol, 0 when unread');
  t.deepEqual([0, 47, 50, 51, 132, 136, 143, 144, 253].map(protoName),
    ['HOPOPT', 'GRE', 'ESP', 'AH', 'SCTP', 'UDPLite', 'Ethernet', '144', '253']);
  const gre = record({ tsNs: 0n, sid: 5, ruleIdx: 2, proto: 47, src: '198.18.0.1', dst: '198.18.0.2' });
  t.false('src_port' in eveAlert(gre, TABLE));
});

test('rule lookup: by index when the sid agrees, else by sid, else a placeholder that is counted', (t) => {
  const table = RuleTable.fromRules(RULES.rules);
  const byIdx = eveAlert(record({ tsNs: 0n, sid: 2045001, ruleIdx: 1, proto: 6, src: '198.18.0.1', dst: '198.18.0.2' }), table);
  t.is(byIdx.alert.rev, 1);
  const stale = eveAlert(record({ tsNs: 0n, sid: 2045001, ruleIdx: 0, proto: 6, src: '198.18.0.1', dst: '198.18.0.2' }), table);
  t.is(stale.alert.signature, 'ET ATTACK_RESPONSE Win32/LeftHook Stealer Browser Extension Config Inbound', 'index of another rule: by sid');
  const unknown = eveAlert(record({ tsNs: 0n, sid: 77, ruleIdx: 99, proto: 6, src: '198.18.0.1', dst: '198.18.0.2' }), table);
  t.deepEqual(unknown.alert, { action: 'allowed', gid: 1, signature_id: 77, rev: 0, signature: '', category: '', severity: 3 });
  t.is(table.misses, 1);
  const custom = RuleTable.fromRules(RULES.rules, { classifications: { 'bad-unknown': 'Site: odd traffic' } });
  t.is(eveAlert(DOC_2017, custom).alert.category, 'Site: odd traffic');
});

test('every classtype the rule compiler knows has a description', (t) => {
  t.deepEqual(Object.keys(CLASSTYPE_DESCRIPTIONS).sort(), Object.keys(CLASSIFICATIONS).sort());
});

test('end to end: a packet through emit_alert, the ring and the formatter', (t) => {
  const fx = new EventsFixture();
  t.teardown(() => fx.close());
  fx.set({ alerts: 1, ruleBase: 2, sidBase: 5, action: 'drop', verdict: 'drop' });
  const frame = ether().vlan(7).ipv4({ src: '198.18.0.9', dst: '198.19.0.1' }).icmp({ type: 'echo-request', id: 1, seq: 1 }).build();
  fx.run(frame, us('2025-06-01T08:00:00.000Z') + 123_456_789n);
  const lines = fx.events.drainAll().map((e) => formatEveAlert(e, TABLE, { pcapCnt: 1, flowId: false }));
  t.deepEqual(lines, [
    '{"timestamp":"2025-06-01T08:00:00.123456+0000","pcap_cnt":1,"event_type":"alert","vlan":[7],' +
    '"src_ip":"198.18.0.9","dest_ip":"198.19.0.1","proto":"ICMP","ip_v":4,"icmp_type":8,"icmp_code":0,' +
    '"pkt_src":"wire/pcap","alert":{"action":"blocked","gid":1,"signature_id":5,"rev":3,' +
    '"signature":"ping \\"quoted\\" \\\\ and \u00e9","category":"","severity":4}}',
  ]);
});
