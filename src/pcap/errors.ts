// One error class for every capture-file problem, with the byte offset where it was found.

export type PcapErrorCode =
  | 'open' // the file cannot be opened or libpcap rejects it
  | 'bad-header' // file header unreadable or not a capture
  | 'truncated' // the file ends inside a record or block
  | 'bad-record' // a record header that cannot be right (caplen beyond any snaplen)
  | 'unsupported-linktype'; // no re-framing to Ethernet for this link type

export class PcapError extends Error {
  override readonly name = 'PcapError';
  constructor(
    readonly code: PcapErrorCode,
    message: string,
    readonly path: string,
    /** Byte offset in the file of the header, record or block at fault. */
    readonly offset: number,
    /** 1-based number of the packet at fault, when it is a packet. */
    readonly index?: number,
  ) {
    super(`${path}: ${message} (at byte offset ${offset}${index !== undefined ? `, packet ${index}` : ''})`);
  }
}
