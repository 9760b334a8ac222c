// Capture-file constants: classic pcap magics and the link types fwctl knows about
// (numbers from the tcpdump.org LINKTYPE_ registry; DLT_RAW 12/14 as some systems write them).

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAPNG_SHB = 0x0a0d0d0a;

export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW_DLT12: 12,
  RAW_DLT14: 14,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IEEE802_11_RADIOTAP: 127,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

const NAMES: Record<number, string> = {
  0: 'NULL (BSD loopback)', 1: 'ETHERNET', 6: 'IEEE802_5', 9: 'PPP', 10: 'FDDI', 12: 'RAW (DLT 12)',
  14: 'RAW (DLT 14)', 50: 'PPP_HDLC', 51: 'PPP_ETHER', 101: 'RAW', 104: 'C_HDLC', 105: 'IEEE802_11',
  108: 'LOOP (OpenBSD loopback)', 113: 'LINUX_SLL', 127: 'IEEE802_11_RADIOTAP', 147: 'USER0',
  192: 'PPI', 220: 'USB_LINUX_MMAPPED', 228: 'IPV4', 229: 'IPV6', 249: 'NETLINK', 263: 'NFLOG',
  276: 'LINUX_SLL2',
};

export function linkTypeName(lt: number): string {
  return NAMES[lt] ?? `unknown`;
}

/** Largest caplen accepted from a file (libpcap's MAXIMUM_SNAPLEN); larger means a corrupt record. */
export const MAX_CAPLEN = 262144;
