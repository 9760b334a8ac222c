// The flow table as README.md "Flows" states it (bpf/lib/flow.h must do the same): one entry per
// flow (both directions), TCP state from the flags, UDP/ICMP new -> established on the first
// answer, timeouts per state, the verdict a rule left on a TCP flow, and its flowbits.
import type { DecodedPacket } from './decode.ts';

export type FlowState = 'new' | 'syn_sent' | 'syn_recv' | 'established' | 'fin_wait' | 'closing' | 'time_wait' | 'closed' | 'untracked';

/** Timeouts in ns per slot; defaults are Suricata's flow-timeouts (seconds). */
export interface FlowTimeouts {
  tcpNew: bigint; tcpEst: bigint; tcpClosed: bigint;
  udpNew: bigint; udpEst: bigint;
  icmpNew: bigint; icmpEst: bigint;
  otherNew: bigint; otherEst: bigint;
}

const S = 1_000_000_000n;
export const DEFAULT_TIMEOUTS: FlowTimeouts = {
  tcpNew: 60n * S, tcpEst: 600n * S, tcpClosed: 60n * S, udpNew: 30n * S, udpEst: 300n * S,
  icmpNew: 30n * S, icmpEst: 300n * S, otherNew: 30n * S, otherEst: 300n * S,
};

export interface FlowOptions {
  /** Pick up TCP flows that begin without a SYN (default false, as Suricata's stream.midstream). */
  midstream?: boolean;
  timeouts?: Partial<FlowTimeouts>;
  /** TCP packets out of state: classified (pass, default) or dropped before the rules (ReferenceEngine). */
  invalid?: 'pass' | 'drop';
}

export interface Flow {
  state: FlowState;
  /** Endpoint text ('addr|port') of the client. */
  client: string;
  /** The flow completed its handshake / got an answer (lives in the established table). */
  established: boolean;
  firstNs: bigint;
  lastNs: bigint;
  pkts: [number, number];
  fin: number;
  verdict: 'none' | 'drop' | 'pass';
  /** Rule sid of the stored verdict. */
  sid: number;
  bits: Set<string>;
  /** TCP sequence spaces, the client's [0] and the server's [1] (tcpWindow). */
  win: [Win, Win];
}

/** One side's TCP sequence space (bpf/include/fwctl_abi.h struct fw_flow_win). */
export interface Win {
  end: number;
  maxend: number;
  maxwin: number;
  /** Window scale; 0xff: the SYN's option, before the SYN-ACK settled it. */
  scale: number;
  known: boolean;
}

const newWin = (): Win => ({ end: 0, maxend: 0, maxwin: 0, scale: 0, known: false });
const u32 = (x: number) => x >>> 0;
/** a before b, modulo 2^32. */
const before = (a: number, b: number) => ((a - b) | 0) < 0;
const seqMax = (a: number, b: number) => (before(a, b) ? b : a);
const MAXACKWIN = 66000;

function winStart(w: Win, p: DecodedPacket, end: number, win: number): void {
  w.end = end;
  w.maxend = end;
  w.maxwin = win || 1;
  w.scale = p.tcpFlags & SYN ? p.tcpWscale : 0;
  w.known = true;
}

/**
 * Linux conntrack's tcp_in_window, as bpf/lib/flow.h flow_window states it: a packet of side s is in
 * window when seq <= s.maxend, end >= s.end - r.maxwin, and its ack within [r.end - max(s.maxwin,
 * 66000), r.end]; a SYN starts its side, a side first seen without one starts from its first
 * packet, and the checks begin once both are known. Moves the windows of a packet in window;
 * returns false (nothing moved) for one out of window.
 */
export function tcpWindow(fl: Flow, p: DecodedPacket, s: 0 | 1): boolean {
  const sw = fl.win[s], rw = fl.win[1 - s];
  const f = p.tcpFlags, seq = p.tcpSeq, ack = p.tcpAck;
  let win = p.tcpWin;
  const end = u32(seq + p.dsize + (f & SYN ? 1 : 0) + (f & FIN ? 1 : 0));
  if (f & SYN) {
    winStart(sw, p, end, win);
    if (f & ACK && rw.known) {
      if (sw.scale === 0xff || rw.scale === 0xff) sw.scale = rw.scale = 0;
      rw.maxend = seqMax(rw.maxend, u32(ack + win));
    }
    return true;
  }
  if (sw.scale === 0xff) sw.scale = 0;
  win = u32(win << (sw.scale & 15));
  if (!sw.known) {
    winStart(sw, p, end, win);
    if (rw.known && f & ACK) rw.maxend = seqMax(rw.maxend, u32(ack + win));
    return true;
  }
  if (!rw.known) {
    sw.end = seqMax(sw.end, end);
    if (sw.maxwin < win) sw.maxwin = win;
    return true;
  }
  const maxack = sw.maxwin > MAXACKWIN ? sw.maxwin : MAXACKWIN;
  if (before(sw.maxend, seq) || before(end, u32(sw.end - rw.maxwin))) return false;
  if (f & ACK && (before(rw.end, ack) || before(ack, u32(rw.end - maxack)))) return false;
  if (sw.maxwin < win) sw.maxwin = win;
  sw.end = seqMax(sw.end, end);
  if (f & ACK) rw.maxend = seqMax(rw.maxend, u32(ack + (win || 1)));
  return true;
}

/** The packet's view of its flow, what the flow keywords test. */
export interface FlowView {
  flow: Flow | null;
  toServer: boolean;
  established: boolean;
  /** The flowbits as the packet found them. */
  bits: ReadonlySet<string>;
  /** A TCP packet out of state: a transition the state machine refuses, or a packet of a flow it
   *  did not pick up (no SYN, midstream off: untracked). */
  invalid: boolean;
}

export const NO_FLOW: FlowView = { flow: null, toServer: false, established: false, bits: new Set(), invalid: false };

const SYN = 0x02, ACK = 0x10, RST = 0x04, FIN = 0x01;
const ECHO = new Set([0, 8, 128, 129]);

/** The flow key (README.md "Flows"): family, protocol, VLAN ids, and the two endpoints in a fixed
 *  order; the sender's endpoint text. null: no flow (not IP, non-first fragment). */
export function flowKey(p: DecodedPacket): { key: string; sender: string; receiver: string } | null {
  if (p.family === 0 || p.frag === 'non_first') return null;
  let sp = 0, dp = 0;
  if (p.hasL4 && (p.l4Proto === 6 || p.l4Proto === 17)) [sp, dp] = [p.sport, p.dport];
  else if (p.hasL4 && (p.l4Proto === 1 || p.l4Proto === 58) && ECHO.has(p.icmpType)) sp = dp = p.icmpId ?? 0;
  const swap = p.src > p.dst || (p.src === p.dst && sp > dp);
  const a = `${p.src}|${sp}`, b = `${p.dst}|${dp}`;
  const vlan = `${p.vlanIds[0] ?? 0}.${p.vlanIds[1] ?? 0}`;
  return { key: `${p.family}/${p.l4Proto}/${vlan}/${swap ? b : a}/${swap ? a : b}`, sender: a, receiver: b };
}

function firstState(p: DecodedPacket, midstream: boolean): { state: FlowState; senderIsClient: boolean } {
  if (!(p.hasL4 && p.l4Proto === 6)) return { state: 'new', senderIsClient: true };
  const f = p.tcpFlags;
  if ((f & (SYN | ACK | RST)) === SYN) return { state: 'syn_sent', senderIsClient: true };
  if (!midstream || f & RST) return { state: 'untracked', senderIsClient: true };
  if ((f & (SYN | ACK)) === (SYN | ACK)) return { state: 'syn_recv', senderIsClient: false };
  if (f & SYN) return { state: 'untracked', senderIsClient: true };
  return { state: f & FIN ? 'fin_wait' : 'established', senderIsClient: true };
}

/** The TCP state after a packet, or null: out of state (the state stays). */
function tcpNext(fl: Flow, f: number, fromClient: boolean): FlowState | null {
  const syn = (f & SYN) !== 0, ack = (f & ACK) !== 0;
  const side = fromClient ? 1 : 2;
  if (f & RST) return fl.state === 'untracked' ? fl.state : 'closed';
  switch (fl.state) {
    case 'syn_sent':
      if (fromClient && syn && !ack) return fl.state;
      if (!fromClient && syn && ack) return 'syn_recv';
      return null;
    case 'syn_recv':
      if (!fromClient && syn && ack) return fl.state;
      if (fromClient && ack && !syn) {
        if (f & FIN) {
          fl.fin |= side;
          return 'fin_wait';
        }
        return 'established';
      }
      return null;
    case 'established':
    case 'fin_wait':
    case 'closing':
      if (syn) return null;
      if (f & FIN) {
        fl.fin |= side;
        return fl.fin === 3 ? 'closing' : 'fin_wait';
      }
      if (fl.state === 'closing' && ack) return 'time_wait';
      return fl.state;
    default:
      return fl.state;
  }
}

const PROMOTE: ReadonlySet<FlowState> = new Set(['established', 'fin_wait', 'closing', 'time_wait']);

export class FlowTable {
  readonly #flows = new Map<string, Flow>();
  readonly #midstream: boolean;
  readonly #to: FlowTimeouts;
  /** Counters as fw_flow_stats names them (created, expired, reused, invalid, promoted). */
  readonly stats = { created: 0, expired: 0, reused: 0, invalid: 0, promoted: 0 };

  constructor(o: FlowOptions = {}) {
    this.#midstream = o.midstream ?? false;
    this.#to = { ...DEFAULT_TIMEOUTS, ...o.timeouts };
  }

  get size(): number {
    return this.#flows.size;
  }

  /** The flow of a key (for tests). */
  get(p: DecodedPacket): Flow | undefined {
    const k = flowKey(p);
    return k ? this.#flows.get(k.key) : undefined;
  }

  clear(): void {
    this.#flows.clear();
  }

  entries(): IterableIterator<Flow> {
    return this.#flows.values();
  }

  #timeout(proto: number, fl: Flow): bigint {
    const t = this.#to;
    if (proto === 6) return fl.state === 'time_wait' || fl.state === 'closed' ? t.tcpClosed : fl.established ? t.tcpEst : t.tcpNew;
    if (proto === 17) return fl.established ? t.udpEst : t.udpNew;
    if (proto === 1 || proto === 58) return fl.established ? t.icmpEst : t.icmpNew;
    return fl.established ? t.otherEst : t.otherNew;
  }

  /** Finds or creates the packet's flow and moves its state. */
  track(p: DecodedPacket, tsNs: bigint): FlowView {
    const k = flowKey(p);
    if (!k) return NO_FLOW;
    let fl = this.#flows.get(k.key);
    const tcp = p.hasL4 && p.l4Proto === 6;
    if (fl && tsNs > fl.lastNs && tsNs - fl.lastNs > this.#timeout(p.l4Proto, fl)) {
      this.stats.expired++;
      fl = undefined;
    } else if (fl && p.l4Proto === 6 && tcp && (p.tcpFlags & (SYN | ACK | RST)) === SYN && fl.verdict !== 'drop' &&
      (fl.state === 'time_wait' || fl.state === 'closed' || fl.state === 'untracked')) {
      this.stats.reused++;
      fl = undefined;
    }
    let fromClient: boolean;
    let invalid = false;
    if (!fl) {
      const { state, senderIsClient } = firstState(p, this.#midstream);
      fl = {
        state, client: senderIsClient ? k.sender : k.receiver, established: state === 'established' || state === 'fin_wait',
        firstNs: tsNs, lastNs: tsNs, pkts: [senderIsClient ? 1 : 0, senderIsClient ? 0 : 1], fin: state === 'fin_wait' ? 1 : 0,
        verdict: 'none', sid: 0, bits: new Set(), win: [newWin(), newWin()],
      };
      if (tcp) tcpWindow(fl, p, senderIsClient ? 0 : 1);
      this.#flows.set(k.key, fl);
      this.stats.created++;
      fromClient = senderIsClient;
      invalid = p.l4Proto === 6 && state === 'untracked';
    } else {
      // equal endpoints (a flow to itself): both directions are the client's
      fromClient = k.sender === fl.client;
      fl.lastNs = tsNs;
      fl.pkts[fromClient ? 0 : 1]++;
      if (p.l4Proto === 6 && tcp) {
        const wasUntracked = fl.state === 'untracked';
        const fin = fl.fin;
        let next = tcpNext(fl, p.tcpFlags, fromClient);
        // in state, and in window (a packet out of window moves nothing)
        if (next !== null && !wasUntracked && !tcpWindow(fl, p, fromClient ? 0 : 1)) next = null;
        if (next === null) {
          this.stats.invalid++;
          fl.fin = fin;
        } else fl.state = next;
        invalid = next === null || fl.state === 'untracked';
      } else if (fl.state === 'new' && !fromClient) fl.state = 'established';
      if (!fl.established && PROMOTE.has(fl.state)) {
        fl.established = true;
        this.stats.promoted++;
      }
    }
    return { flow: fl, toServer: fromClient, established: fl.established, bits: new Set(fl.bits), invalid };
  }
}
