// EventConsumer: the fw_events ring of one loaded object, read two ways.
//   live:   records arrive from the event loop (RingBuffer's uv_poll) and go to `onEvent`;
//   replay: after each test run, drain() hands over synchronously the records that run wrote.
// Test runs are synchronous and the ring belongs to the object, so the records in it right after
// runPacket returns are exactly that packet's (unless the same object is also attached to an
// interface, whose packets would interleave).
import { type BpfMap, RingBuffer } from '../native/index.ts';
import { decodeRecord, type FwEvent } from './decode.ts';

export type EventSink = (e: FwEvent) => void;

export class EventConsumer {
  readonly #ring: RingBuffer;
  readonly #onEvent: EventSink | undefined;
  /** Records the event loop delivered while there was no onEvent: the next drain() returns them. */
  readonly #pending: FwEvent[] = [];
  #sink: EventSink | undefined;
  /** Events decoded from the ring so far (a record may hold several alerts). */
  #decoded = 0;

  /**
   * Starts reading `map` (an object's fw_events). With `onEvent`, records are delivered from the
   * event loop as they arrive (and the consumer keeps the process alive until close() or
   * unref()); without it, the consumer is unref'd and records wait for drain().
   */
  constructor(map: BpfMap, onEvent?: EventSink) {
    this.#onEvent = onEvent;
    this.#ring = new RingBuffer(map, (rec) => {
      for (const e of decodeRecord(rec)) this.#deliver(e);
    });
    if (!onEvent) this.#ring.unref();
  }

  #deliver(e: FwEvent): void {
    this.#decoded++;
    const sink = this.#sink ?? this.#onEvent;
    if (sink) sink(e);
    else this.#pending.push(e);
  }

  /**
   * Synchronously hands every record now in the ring to `sink` (default: onEvent), in ring order,
   * and returns how many it handed over. Call it right after each runPacket to attribute records
   * to that packet. With neither a sink nor onEvent the records are kept for drainAll(). An
   * exception from the sink propagates; the records after it stay in the ring for the next drain.
   */
  drain(sink?: EventSink): number {
    const to = sink ?? this.#onEvent;
    let n = 0;
    if (to && this.#pending.length > 0) {
      const held = this.#pending.splice(0);
      for (const e of held) to(e);
      n += held.length;
    }
    const prev = this.#sink;
    const before = this.#decoded;
    this.#sink = to;
    try {
      this.#ring.consume();
      n += this.#decoded - before;
    } finally {
      this.#sink = prev;
    }
    return n;
  }

  /** drain() into a new array. */
  drainAll(): FwEvent[] {
    const out: FwEvent[] = [];
    this.drain((e) => out.push(e));
    return out;
  }

  ref(): this {
    this.#ring.ref();
    return this;
  }

  unref(): this {
    this.#ring.unref();
    return this;
  }

  get closed(): boolean {
    return this.#ring.closed;
  }

  /** Stops reading; records still in the ring stay there (the map outlives the consumer). */
  close(): void {
    this.#ring.close();
  }
}
