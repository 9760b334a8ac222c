// XDP attach/detach/query by ifindex (bpf_xdp_*). bpf_xdp_attach creates no link: the program stays
// attached after the process exits, until detached.
import { z } from 'zod';
import { addon, C } from './addon.ts';
import { parseOptions } from './options.ts';

export type XdpMode = 'native' | 'generic' | 'offload' | 'auto';
export type XdpAttachMode = 'none' | 'native' | 'generic' | 'offload' | 'multi';

/** A program given by fd or by a handle that has one (BpfProgram). */
export type ProgRef = number | { readonly fd: number };

const progRef = z.union([z.number().int().min(0), z.custom<{ fd: number }>((v) => typeof v === 'object' && v !== null && typeof (v as { fd?: unknown }).fd === 'number')]);
const mode = z.enum(['native', 'generic', 'offload', 'auto']);

const attachSchema = z.strictObject({
  mode,
  /** Atomically replace exactly this program (XDP_FLAGS_REPLACE); fails with EEXIST if another is attached. */
  replaceProgFd: progRef.optional(),
  /** Fail with EBUSY if any program is attached (XDP_FLAGS_UPDATE_IF_NOEXIST). */
  noReplace: z.boolean().optional(),
});
export type XdpAttachOptions = z.infer<typeof attachSchema>;

const detachSchema = z.strictObject({
  mode,
  /** Detach only if this program is the one attached. */
  expectedProgFd: progRef.optional(),
});
export type XdpDetachOptions = z.infer<typeof detachSchema>;

export interface XdpQueryResult {
  attachMode: XdpAttachMode;
  /** The attached program's id (0 when none, or several in "multi"). */
  progId: number;
  drvProgId: number;
  skbProgId: number;
  hwProgId: number;
}

function modeFlags(m: XdpMode): number {
  switch (m) {
    case 'native':
      return C.XDP_FLAGS_DRV_MODE;
    case 'generic':
      return C.XDP_FLAGS_SKB_MODE;
    case 'offload':
      return C.XDP_FLAGS_HW_MODE;
    case 'auto':
      return 0;
  }
}

function fdOf(p: ProgRef): number {
  return typeof p === 'number' ? p : p.fd;
}

export function xdpAttach(ifindex: number, prog: ProgRef, opts: XdpAttachOptions): void {
  const o = parseOptions(attachSchema, opts, 'xdpAttach');
  const flags = modeFlags(o.mode) | (o.noReplace ? C.XDP_FLAGS_UPDATE_IF_NOEXIST : 0);
  addon.xdpAttach(ifindex, fdOf(prog), flags, o.replaceProgFd === undefined ? null : fdOf(o.replaceProgFd));
}

export function xdpDetach(ifindex: number, opts: XdpDetachOptions): void {
  const o = parseOptions(detachSchema, opts, 'xdpDetach');
  addon.xdpDetach(ifindex, modeFlags(o.mode), o.expectedProgFd === undefined ? null : fdOf(o.expectedProgFd));
}

export function xdpQuery(ifindex: number): XdpQueryResult {
  const r = addon.xdpQuery(ifindex, 0);
  const modes: Record<number, XdpAttachMode> = {
    [C.XDP_ATTACHED_NONE]: 'none',
    [C.XDP_ATTACHED_DRV]: 'native',
    [C.XDP_ATTACHED_SKB]: 'generic',
    [C.XDP_ATTACHED_HW]: 'offload',
    [C.XDP_ATTACHED_MULTI]: 'multi',
  };
  return {
    attachMode: modes[r.attachMode] ?? 'none',
    progId: r.progId,
    drvProgId: r.drvProgId,
    skbProgId: r.skbProgId,
    hwProgId: r.hwProgId,
  };
}

/** if_nametoindex; throws BpfError (op "if_nametoindex", ENODEV) for an unknown name. */
export function ifNameToIndex(name: string): number {
  return addon.ifNameToIndex(name);
}
