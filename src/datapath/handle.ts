// What a loaded datapath offers, whether this process loaded it (Datapath) or opened its pins
// (PinnedDatapath): run packets, read counters and the debug record, attach and detach.
import { decodePkt, type FwPkt, FW_PKT, MapName } from '../abi/index.ts';
import { type BpfMap, type BpfProgram, ifNameToIndex, xdpAttach, xdpDetach, xdpQuery } from '../native/index.ts';
import { readReasonCounters, type ReasonCounters } from './counters.ts';
import { MapSource, type MissingMap } from './map-source.ts';
import { PacketRunner, type RunResult } from './runner.ts';

export type AttachMode = 'native' | 'generic';

export interface AttachState {
  /** How a program is attached to the interface ('none' when none is). */
  mode: 'none' | 'native' | 'generic' | 'offload' | 'multi';
  /** Kernel id of the attached program (0 when none). */
  progId: number;
  /** True when the attached program is this datapath's. */
  ours: boolean;
}

export abstract class DatapathHandle {
  readonly program: BpfProgram;
  readonly reasonStats: BpfMap;
  readonly dbgPkt: BpfMap;
  /** fw_events (ring buffer of struct fw_event): read it with src/events EventConsumer. */
  readonly events: BpfMap;
  /** fw_event_stats: src/events readEventStats(). */
  readonly eventStats: BpfMap;
  #runner: PacketRunner | undefined;
  readonly #dbgKey = Buffer.alloc(4);
  readonly #dbgVal = Buffer.alloc(FW_PKT.size);

  protected constructor(program: BpfProgram, maps: (name: string) => BpfMap) {
    this.program = program;
    this.reasonStats = maps(MapName.reasonStats);
    this.dbgPkt = maps(MapName.dbgPkt);
    this.events = maps(MapName.events);
    this.eventStats = maps(MapName.eventStats);
  }

  /** The datapath's maps by name (see map-source.ts); `missing` says what a pinned instance
   *  without one of them throws. Close it when done. */
  abstract maps(missing?: MissingMap): MapSource;

  /**
   * Runs one Ethernet frame through the program (BPF_PROG_TEST_RUN) with `tsNs` as its time.
   * Replay hot path: no allocation; the returned object is reused by the next call unless `out` is
   * given. Counters count the packet as live traffic would.
   */
  runPacket(frame: Uint8Array, tsNs: bigint, out?: RunResult): RunResult {
    this.#runner ??= new PacketRunner(this.program);
    return this.#runner.run(frame, tsNs, out);
  }

  /** Packets and bytes by reason, summed over CPUs. */
  readReasonCounters(): ReasonCounters {
    return readReasonCounters(this.reasonStats);
  }

  /** The parsed form of the last packet (cfg_debug_pkt), or null when none was recorded. */
  debugPacket(): FwPkt | null {
    const v = this.dbgPkt.lookup(this.#dbgKey, this.#dbgVal);
    if (!v || !this.debugEnabled() || v.every((b) => b === 0)) return null;
    return decodePkt(v);
  }

  /** Whether the program records fw_dbg_pkt. */
  protected abstract debugEnabled(): boolean;

  /**
   * Attaches the program to an interface of the calling thread's network namespace. Never replaces
   * another program (fails with EBUSY if one is attached). Stays attached after this process exits
   * (XDP without a link) until detach().
   */
  attach(ifname: string, mode: AttachMode): void {
    xdpAttach(ifNameToIndex(ifname), this.program, { mode, noReplace: true });
  }

  /** Detaches this program from the interface; fails (EEXIST) if another program is attached there. */
  detach(ifname: string, mode: AttachMode): void {
    xdpDetach(ifNameToIndex(ifname), { mode, expectedProgFd: this.program });
  }

  /** What is attached to the interface, and whether it is this program. */
  attachState(ifname: string): AttachState {
    const q = xdpQuery(ifNameToIndex(ifname));
    return { mode: q.attachMode, progId: q.progId, ours: q.progId !== 0 && q.progId === this.program.id };
  }

  /** Closes this process's handles (pins and attachments stay). */
  close(): void {
    this.program.close();
    this.reasonStats.close();
    this.dbgPkt.close();
    this.events.close();
    this.eventStats.close();
  }
}
