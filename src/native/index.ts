// fwctl's typed façade over the libbpf addon (native/). The only entry point other layers import.
import { addon, C } from './addon.ts';

export { BpfError, describeErrno } from './errors.ts';
export { BpfMap, joinPerCpu, splitPerCpu, type BatchLookupOptions, type BatchResult, type MapInfo, type UpdateFlag } from './map.ts';
export { BpfProgram, TestRunner, xdpMd, type RunnerOptions, type TestRunOptions, type TestRunResult, type XdpMdOptions } from './program.ts';
export { BpfObject, Btf, type BtfMember, type BtfStruct, type GlobalInfo, type MapSpec, type OpenOptions, type ProgramSpec } from './object.ts';
export { RingBuffer, type RecordCallback } from './ringbuf.ts';
export { ifNameToIndex, xdpAttach, xdpDetach, xdpQuery, type ProgRef, type XdpAttachMode, type XdpAttachOptions, type XdpDetachOptions, type XdpMode, type XdpQueryResult } from './xdp.ts';

/** Kernel constants (BPF_ANY, XDP_PASS, XDP_FLAGS_*, BPF_F_TEST_XDP_LIVE_FRAMES, SIZEOF_XDP_MD, ...). */
export const constants = C;

/** The libbpf the addon is linked against, e.g. "v1.1". */
export function libbpfVersion(): string {
  return addon.libbpfVersion();
}

/** libbpf_num_possible_cpus(): the slot count of per-CPU map values. */
export function numPossibleCpus(): number {
  return addon.numPossibleCpus();
}
export const possibleCpus = numPossibleCpus;

export type LogLevel = 'silent' | 'warn' | 'info' | 'debug';
const LEVELS: readonly LogLevel[] = ['silent', 'warn', 'info', 'debug'];

/** What libbpf prints to stderr (default 'warn': libbpf's errors and warnings). Process-wide. */
export function setLogLevel(level: LogLevel): void {
  const n = LEVELS.indexOf(level);
  if (n < 0) throw new TypeError(`log level must be one of ${LEVELS.join(', ')}`);
  addon.setLogLevel(n);
}

export function getLogLevel(): LogLevel {
  return LEVELS[addon.getLogLevel()] ?? 'warn';
}
