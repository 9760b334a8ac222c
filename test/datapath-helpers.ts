// Shared by the datapath tests: a debug-enabled Datapath and one-call "run and read back".
import type { FwPkt } from '../src/abi/index.ts';
import { Datapath, type DatapathOptions, type RunResult } from '../src/datapath/index.ts';

export interface Outcome {
  res: RunResult;
  pkt: FwPkt;
}

/** Runs one frame and returns a copy of the result and the parsed packet (debugPkt must be on). */
export function runDebug(dp: Datapath, frame: Uint8Array, tsNs = 1n): Outcome {
  const res = { ...dp.runPacket(frame, tsNs) };
  const pkt = dp.debugPacket();
  if (!pkt) throw new Error('no debug record: open the Datapath with debugPkt: true');
  return { res, pkt };
}

export function openDebug(opts: DatapathOptions = {}): Datapath {
  return Datapath.open({ debugPkt: true, ...opts });
}

/** Addresses from the benchmarking ranges (RFC 2544 / RFC 5180). */
export const A4 = { src: '198.18.0.1', dst: '198.18.0.2' } as const;
export const A6 = { src: '2001:2::1', dst: '2001:2::2' } as const;
