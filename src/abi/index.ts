// The TS mirror of bpf/include/fwctl_abi.h: enums, struct layouts, codecs.
export * from './enums.ts';
export * from './layout.ts';
export * from './codec.ts';
export { formatIPv4, formatIPv6 } from './addr.ts';
