// Packet-by-packet replay cases: [frame, capture time, "verdict:reason:alert sids"], written as a
// nanosecond pcap, read back from `fwctl replay -o json --verdicts`, and stated by the reference.
import { writeFileSync } from 'node:fs';

import { ether } from '../../src/packets/index.ts';
import { writePcapBuffer } from '../../src/pcap/index.ts';
import type { ReferenceEngine } from '../../src/rules/reference/index.ts';

export type ReplayCase = [Buffer | Uint8Array, bigint, string];

/** A UDP datagram, IPv6 when the source is. */
export const udp = (src: string, dst: string, dport: number, sport = 5000) =>
  (src.includes(':') ? ether().ipv6({ src, dst }) : ether().ipv4({ src, dst })).udp({ sport, dport }).build();

export function writeCases(path: string, cases: readonly ReplayCase[]): void {
  writeFileSync(path, writePcapBuffer(cases.map(([frame, ts]) => ({ frame, ts })), { precision: 'ns' }));
}

/** Each packet's "verdict:reason:alert sids" from the JSON records of `fwctl replay --verdicts`. */
export function replayOutcomes(stdout: string, n: number): string[] {
  const got: string[] = Array.from({ length: n }, () => '');
  const alerts: number[][] = Array.from({ length: n }, () => []);
  for (const l of stdout.trim().split('\n')) {
    const x = JSON.parse(l) as Record<string, any>;
    if (x.event_type === 'alert') alerts[x.pcap_cnt - 1].push(x.alert.signature_id);
    if (x.event_type === 'verdict') got[x.pcap_cnt - 1] = `${x.verdict}:${x.reason}`;
  }
  return got.map((g, i) => `${g}:${alerts[i].join(',')}`);
}

/** The same, as the reference engine decides the cases in order. */
export function referenceOutcomes(eng: ReferenceEngine, cases: readonly ReplayCase[]): string[] {
  return cases.map(([frame, ts]) => {
    const d = eng.run(frame, ts);
    return `${d.verdict}:${d.reason}:${d.alerts.join(',')}`;
  });
}
