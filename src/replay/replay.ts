// Replays a capture through the real compiled XDP object: every packet, in order, through
// BPF_PROG_TEST_RUN with the packet's pcap timestamp in the metadata area. The caller gets one
// record per packet (through a callback, so nothing accumulates) and the totals at the end.
import { type Datapath, MAX_TEST_FRAME, MIN_TEST_FRAME, type RunResult } from '../datapath/index.ts';
import { openPcap, type PcapInfo } from '../pcap/index.ts';

export interface PacketDecision {
  /** 1-based index in the capture (Suricata's pcap_cnt). */
  pcapCnt: number;
  tsNs: bigint;
  /** What XDP decided; owned by the replay loop and overwritten by the next packet. */
  result: RunResult;
}

export interface ReplayTotals {
  packets: number;
  bytes: number;
  /** Packets per verdict ("pass", "drop", "reject"). */
  verdicts: Record<string, number>;
  /** Packets per reason name. */
  reasons: Record<string, number>;
  /** Packets per XDP action ("pass", "drop", "tx", ...). */
  actions: Record<string, number>;
  /** Frames longer than MAX_TEST_FRAME: run with their excess cut (it lies past any IP datagram). */
  oversize: number;
  /** Frames shorter than an Ethernet header: the kernel refuses to test-run them (see below). */
  runts: number;
  /** Wall time of the packet loop (excludes loading the object). */
  elapsedNs: bigint;
  capture: PcapInfo;
}

export interface ReplayOptions {
  /** Called for each packet in order; the result object is reused, copy what you keep. */
  onPacket?: (d: PacketDecision) => void;
}

function bump(table: Record<string, number>, key: string): void {
  table[key] = (table[key] ?? 0) + 1;
}

export function replayCapture(datapath: Datapath, path: string, o: ReplayOptions = {}): ReplayTotals {
  const source = openPcap(path);
  const totals: ReplayTotals = {
    packets: 0, bytes: 0, verdicts: {}, reasons: {}, actions: {}, oversize: 0, runts: 0, elapsedNs: 0n,
    capture: source.info,
  };
  // A frame shorter than an Ethernet header never reaches XDP on a real NIC (drivers drop runts)
  // and BPF_PROG_TEST_RUN refuses it, so replay states what the program does with one it cannot
  // parse: malformed_eth under the loaded malformed policy.
  const drop = datapath.options.malformedPolicy === 'drop';
  const runt: RunResult = {
    action: drop ? 'drop' : 'pass', verdict: drop ? 'drop' : 'pass', reason: 'malformed_eth', sigId: 0, flags: 1, retval: drop ? 1 : 2,
  };
  const decision: PacketDecision = { pcapCnt: 0, tsNs: 0n, result: undefined as unknown as RunResult };
  const start = process.hrtime.bigint();
  for (const pkt of source) {
    totals.packets++;
    totals.bytes += pkt.frame.length;
    let frame = pkt.frame;
    let r: RunResult;
    if (frame.length < MIN_TEST_FRAME) {
      totals.runts++;
      r = runt;
    } else {
      if (frame.length > MAX_TEST_FRAME) {
        // MAX_TEST_FRAME holds any IP datagram (65535) behind Ethernet and VLAN tags, so what is
        // cut is trailer the parser ignores anyway.
        totals.oversize++;
        frame = frame.subarray(0, MAX_TEST_FRAME);
      }
      r = datapath.runPacket(frame, pkt.tsNs);
    }
    bump(totals.verdicts, r.verdict);
    bump(totals.reasons, r.reason);
    bump(totals.actions, r.action);
    if (o.onPacket) {
      decision.pcapCnt = pkt.index;
      decision.tsNs = pkt.tsNs;
      decision.result = r;
      o.onPacket(decision);
    }
  }
  totals.elapsedNs = process.hrtime.bigint() - start;
  return totals;
}
