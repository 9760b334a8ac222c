// BpfObject: a compiled BPF object opened with libbpf, configured before load (globals, map sizes,
// pins, reuse of pinned maps, autoload), then loaded. Map and program handles it hands out own
// their fds and outlive close(); the object caches one handle per name.
import { z } from 'zod';
import { addon, type RawBtfMember, type RawBtfStruct, type RawMapSpec, type RawObject, type RawProgramSpec } from './addon.ts';
import { BpfMap } from './map.ts';
import { parseOptions } from './options.ts';
import { BpfProgram } from './program.ts';

const openSchema = z.strictObject({
  /** Overrides the object name (libbpf derives internal map names from it). */
  objectName: z.string().optional(),
  /** Where maps declared with LIBBPF_PIN_BY_NAME are pinned. */
  pinRoot: z.string().optional(),
  kconfig: z.string().optional(),
  btfCustomPath: z.string().optional(),
});
export type OpenOptions = z.infer<typeof openSchema>;

export type MapSpec = RawMapSpec;
export type ProgramSpec = RawProgramSpec;
export type BtfMember = RawBtfMember;
export type BtfStruct = RawBtfStruct;

export interface GlobalInfo {
  /** ".rodata", ".data", ".bss" (or a custom ".data.*"/".rodata.*"). */
  section: string;
  offset: number;
  size: number;
}

/** Queries on the object's BTF, for checking a TypeScript ABI mirror against the compiled object. */
export class Btf {
  readonly #raw: RawObject;
  /** @internal */
  constructor(raw: RawObject) {
    this.#raw = raw;
  }
  /** Layout of a struct or union; offsets in bytes (bitOffset/bitSize for bitfields). */
  struct(name: string): BtfStruct {
    return this.#raw.btfStruct(name);
  }
  enumValues(name: string): Record<string, number> {
    return this.#raw.btfEnum(name);
  }
}

export class BpfObject {
  readonly path: string;
  readonly btf: Btf;
  readonly #raw: RawObject;
  readonly #maps = new Map<string, BpfMap>();
  readonly #progs = new Map<string, BpfProgram>();
  #closed = false;

  private constructor(path: string, raw: RawObject) {
    this.path = path;
    this.#raw = raw;
    this.btf = new Btf(raw);
  }

  /** bpf_object__open_file: parses the ELF and BTF; nothing reaches the kernel until load(). */
  static open(path: string, opts?: OpenOptions): BpfObject {
    const o = parseOptions(openSchema, opts, 'BpfObject.open');
    return new BpfObject(path, new addon.BpfObject(path, o));
  }

  get name(): string {
    return this.#raw.name();
  }
  get loaded(): boolean {
    return this.#raw.loaded();
  }
  get closed(): boolean {
    return this.#closed;
  }

  globalInfo(name: string): GlobalInfo {
    return this.#raw.globalVar(name);
  }

  /**
   * Sets a global (`const volatile` in .rodata, or .data/.bss) by name. Numbers and bigints are
   * written little-endian at the variable's size (1, 2, 4 or 8 bytes; signed or unsigned range);
   * a Buffer must be exactly the variable's size. Before load for .rodata; .data/.bss may also be
   * written after load (that writes the live map).
   */
  setGlobal(name: string, value: Buffer | number | bigint): void {
    if (Buffer.isBuffer(value)) {
      this.#raw.writeGlobal(name, value);
      return;
    }
    const { size } = this.#raw.globalVar(name);
    this.#raw.writeGlobal(name, encodeInteger(name, value, size));
  }

  /** A copy of a global's bytes (after load, .data/.bss read the live map). */
  getGlobal(name: string): Buffer {
    return this.#raw.readGlobal(name);
  }

  setMapMaxEntries(name: string, maxEntries: number): void {
    this.#raw.setMapMaxEntries(name, maxEntries);
  }

  /** Use the map pinned at `pinnedPath` instead of creating one (bpf_map__reuse_fd), so a reloaded program shares it. */
  reuseMap(name: string, pinnedPath: string): void {
    this.#raw.reuseMap(name, pinnedPath);
  }

  /** At load: reuse the map pinned at `path` if compatible, else create and pin it there. null clears. */
  setPinPath(mapName: string, path: string | null): void {
    this.#raw.setPinPath(mapName, path);
  }

  setAutoload(programName: string, on: boolean): void {
    this.#raw.setAutoload(programName, on);
  }

  /** Loads programs and creates maps. On failure the BpfError carries libbpf's log (verifier log included). */
  load(): void {
    this.#raw.load();
  }

  mapSpecs(): MapSpec[] {
    return this.#raw.mapSpecs();
  }

  programSpecs(): ProgramSpec[] {
    return this.#raw.programSpecs();
  }

  /** A handle on a created map (after load). Internal maps (.rodata, .bss, ...) included. */
  map(name: string): BpfMap {
    const cached = this.#maps.get(name);
    if (cached && !cached.closed && !this.#closed) return cached;
    const m = new BpfMap(this.#raw.map(name));
    this.#maps.set(name, m);
    return m;
  }

  maps(): BpfMap[] {
    return this.mapSpecs().map((s) => this.map(s.name));
  }

  /** A handle on a loaded program (after load). */
  program(name: string): BpfProgram {
    const cached = this.#progs.get(name);
    if (cached && !cached.closed && !this.#closed) return cached;
    const p = new BpfProgram(this.#raw.program(name));
    this.#progs.set(name, p);
    return p;
  }

  /** Every loaded program (autoload off ones are skipped). */
  programs(): BpfProgram[] {
    return this.programSpecs()
      .filter((s) => s.autoload)
      .map((s) => this.program(s.name));
  }

  /** bpf_object__close. Handles from map()/program() stay open (close them separately). Idempotent. */
  close(): void {
    this.#closed = true;
    this.#raw.close();
  }
}

function encodeInteger(name: string, value: number | bigint, size: number): Buffer {
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8)
    throw new TypeError(`${name} is ${size} bytes: pass a Buffer of that size`);
  if (typeof value === 'number' && !Number.isSafeInteger(value))
    throw new RangeError(`${name}: ${value} is not a safe integer`);
  const v = BigInt(value);
  const bits = BigInt(size * 8);
  const min = -(1n << (bits - 1n));
  const max = (1n << bits) - 1n;
  if (v < min || v > max) throw new RangeError(`${name}: ${value} does not fit in ${size} bytes`);
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(BigInt.asUintN(size * 8, v));
  return out.subarray(0, size);
}
