// Loads native/build/Release/fwctl_native.node and describes its raw surface. Only this folder
// talks to these types; everything else uses the classes the façade exports.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { BpfError } from './errors.ts';

export const ADDON_PATH = fileURLToPath(new URL('../../native/build/Release/fwctl_native.node', import.meta.url));

export interface RawMapInfo {
  name: string;
  type: number;
  typeName: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  id: number;
  valueBufferSize: number;
}

export interface RawMap {
  fd(): number;
  info(): RawMapInfo;
  lookup(key: Buffer, out?: Buffer | null): Buffer | null;
  lookupAndDelete(key: Buffer, out?: Buffer | null): Buffer | null;
  update(key: Buffer, value: Buffer, flags: number): void;
  delete(key: Buffer): boolean;
  nextKey(key: Buffer | null, out?: Buffer | null): Buffer | null;
  lookupBatch(inBatch: Buffer | null, outBatch: Buffer, keys: Buffer, values: Buffer, count: number, elemFlags: number): { count: number; done: boolean };
  lookupAndDeleteBatch(inBatch: Buffer | null, outBatch: Buffer, keys: Buffer, values: Buffer, count: number, elemFlags: number): { count: number; done: boolean };
  updateBatch(keys: Buffer, values: Buffer, count: number, elemFlags: number): number;
  deleteBatch(keys: Buffer, count: number): number;
  freeze(): void;
  pin(path: string): void;
  close(): void;
}

export interface RawProgramInfo {
  name: string;
  type: number;
  typeName: string;
  id: number;
  tag: string;
  /** Instructions the verifier processed to load it (bpf_prog_info.verified_insns). */
  verifiedInsns: number;
}

export interface RawProgram {
  fd(): number;
  info(): RawProgramInfo;
  testRun(
    data: Uint8Array | null,
    dataLen: number | null,
    dataOut: Uint8Array | null,
    ctxIn: Uint8Array | null,
    ctxOut: Uint8Array | null,
    repeat: number,
    flags: number,
    batchSize: number,
    cpu: number,
    stats: Uint32Array | null,
  ): number;
  pin(path: string): void;
  close(): void;
}

export interface RawRunner {
  run(data: Uint8Array, dataLen?: number): number;
}

export interface RawMapSpec {
  name: string;
  type: number;
  typeName: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  internal: boolean;
  pinPath: string | null;
}

export interface RawProgramSpec {
  name: string;
  sectionName: string;
  type: number;
  typeName: string;
  autoload: boolean;
  insnCount: number;
}

export interface RawBtfMember {
  name: string;
  offset: number;
  bitOffset: number;
  bitSize: number;
  size: number;
  kind: string;
  typeName: string;
  count?: number;
}

export interface RawBtfStruct {
  name: string;
  kind: 'struct' | 'union';
  size: number;
  members: RawBtfMember[];
}

export interface RawObjectOptions {
  objectName?: string;
  pinRoot?: string;
  kconfig?: string;
  btfCustomPath?: string;
}

export interface RawObject {
  name(): string;
  loaded(): boolean;
  load(): void;
  close(): void;
  programSpecs(): RawProgramSpec[];
  program(name: string): RawProgram;
  setAutoload(name: string, on: boolean): void;
  mapSpecs(): RawMapSpec[];
  map(name: string): RawMap;
  setMapMaxEntries(name: string, n: number): void;
  setPinPath(name: string, path: string | null): void;
  reuseMap(name: string, path: string): void;
  globalVar(name: string): { section: string; offset: number; size: number };
  readGlobal(name: string): Buffer;
  writeGlobal(name: string, value: Buffer): void;
  btfStruct(name: string): RawBtfStruct;
  btfEnum(name: string): Record<string, number>;
}

export interface RawRingBuffer {
  consume(): number;
  close(): void;
  ref(): void;
  unref(): void;
  epollFd(): number;
}

export interface RawXdpQuery {
  attachMode: number;
  progId: number;
  drvProgId: number;
  skbProgId: number;
  hwProgId: number;
}

export interface Addon {
  Map: abstract new (...args: never[]) => RawMap;
  Program: abstract new (...args: never[]) => RawProgram;
  Runner: new (
    program: RawProgram,
    dataOut: Uint8Array | null,
    ctxIn: Uint8Array | null,
    ctxOut: Uint8Array | null,
    repeat: number,
    flags: number,
    batchSize: number,
    cpu: number,
    stats: Uint32Array,
  ) => RawRunner;
  BpfObject: new (path: string, opts: RawObjectOptions) => RawObject;
  RingBuffer: new (map: RawMap, cb: (record: Buffer) => void) => RawRingBuffer;
  openPinnedMap(path: string): RawMap;
  openPinnedProgram(path: string): RawProgram;
  mapFromId(id: number): RawMap;
  programFromId(id: number): RawProgram;
  unpin(path: string): void;
  setErrorFactory(f: (op: string, errno: number, detail: string) => Error): void;
  libbpfVersion(): string;
  numPossibleCpus(): number;
  setLogLevel(level: number): void;
  getLogLevel(): number;
  xdpAttach(ifindex: number, progFd: number, flags: number, oldProgFd: number | null): void;
  xdpDetach(ifindex: number, flags: number, expectedProgFd: number | null): void;
  xdpQuery(ifindex: number, flags: number): RawXdpQuery;
  ifNameToIndex(name: string): number;
  constants: Readonly<Record<
    | 'BPF_ANY' | 'BPF_NOEXIST' | 'BPF_EXIST' | 'BPF_F_LOCK'
    | 'BPF_F_TEST_RUN_ON_CPU' | 'BPF_F_TEST_XDP_LIVE_FRAMES'
    | 'XDP_FLAGS_UPDATE_IF_NOEXIST' | 'XDP_FLAGS_SKB_MODE' | 'XDP_FLAGS_DRV_MODE' | 'XDP_FLAGS_HW_MODE' | 'XDP_FLAGS_REPLACE'
    | 'XDP_ATTACHED_NONE' | 'XDP_ATTACHED_DRV' | 'XDP_ATTACHED_SKB' | 'XDP_ATTACHED_HW' | 'XDP_ATTACHED_MULTI'
    | 'XDP_ABORTED' | 'XDP_DROP' | 'XDP_PASS' | 'XDP_TX' | 'XDP_REDIRECT' | 'SIZEOF_XDP_MD',
    number
  >>;
}

function load(): Addon {
  const require = createRequire(import.meta.url);
  try {
    return require(ADDON_PATH) as Addon;
  } catch (err) {
    const e = new Error(
      `cannot load the native addon at ${ADDON_PATH}; build it with ` +
        '`npx node-gyp rebuild --directory native --nodedir=/usr` (or `bash scripts/build.sh`)',
      { cause: err },
    );
    throw e;
  }
}

export const addon: Addon = load();
export const C = addon.constants;

addon.setErrorFactory((op, errno, detail) => new BpfError(op, errno, detail));
