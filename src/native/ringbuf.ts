// RingBuffer: records of a BPF_MAP_TYPE_RINGBUF map delivered to a callback from the event loop
// (uv_poll on libbpf's epoll fd; no thread). Each record is a fresh Buffer copy.
import { addon, type RawRingBuffer } from './addon.ts';
import { kRaw, type BpfMap } from './map.ts';

export type RecordCallback = (record: Buffer) => void;

export class RingBuffer {
  readonly #raw: RawRingBuffer;
  #closed = false;

  /**
   * Starts polling now. While open the ring buffer keeps itself (and the event loop) alive;
   * unref() lets the process exit anyway. An exception thrown by the callback is an uncaught
   * exception (as for any event-loop callback) and stops delivery of that batch.
   */
  constructor(map: BpfMap, callback: RecordCallback) {
    if (typeof callback !== 'function') throw new TypeError('RingBuffer callback must be a function');
    this.#raw = new addon.RingBuffer(map[kRaw], callback);
  }

  /** Delivers every record available now, synchronously; returns how many. */
  consume(): number {
    return this.#raw.consume();
  }

  get closed(): boolean {
    return this.#closed;
  }

  ref(): this {
    this.#raw.ref();
    return this;
  }

  unref(): this {
    this.#raw.unref();
    return this;
  }

  /** Stops polling and frees the ring buffer (deferred to the end of the batch when called from the callback). Idempotent. */
  close(): void {
    this.#closed = true;
    this.#raw.close();
  }
}
