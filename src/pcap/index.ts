// Capture files: read (classic pcap fast path, pcapng and others through libpcap) and write.
export { openPcap, readPcap, readPcapSync, type PcapPacket, type PcapInfo, type PcapSource, type ReadOptions } from './reader.ts';
export { PcapEncoder, PcapFileWriter, writePcapBuffer, type PcapWriterOptions, type PacketMeta, type PcapInput } from './writer.ts';
export { writePcapngBuffer, type PcapngWriterOptions } from './pcapng-writer.ts';
export { PcapError, type PcapErrorCode } from './errors.ts';
export { LINKTYPE, linkTypeName, MAX_CAPLEN, PCAP_MAGIC_NS, PCAP_MAGIC_US } from './constants.ts';
export { reframerFor, SUPPORTED_LINKTYPES, type Reframer } from './reframe.ts';
export { type Timestamp, toNs } from './timestamp.ts';
export { libpcapVersion } from './libpcap.ts';
export { encapsulate, type EncapOptions } from './encap.ts';
