// Batches output lines so a command that writes one record per packet does not pay one write per
// line. flush() must be called at the end.
export class LineWriter {
  readonly #sink: (chunk: string) => void;
  #buf: string[] = [];
  #size = 0;
  constructor(sink: (chunk: string) => void, readonly limit = 1 << 16) {
    this.#sink = sink;
  }
  push(line: string): void {
    this.#buf.push(line);
    this.#size += line.length + 1;
    if (this.#size >= this.limit) this.flush();
  }
  flush(): void {
    if (this.#buf.length === 0) return;
    this.#sink(this.#buf.join('\n'));
    this.#buf = [];
    this.#size = 0;
  }
}
