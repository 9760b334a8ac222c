// Address sets: static allow/deny lists and the dynamic block list of the XDP datapath. See README.md.
export { blockAdd, blockCount, blockDel, blockGc, blockList, type BlockAddOptions, type BlockAddResult, type BlockEntry, type BlockGcResult } from './block.ts';
export { formatDurationMs, monotonicNowNs, parseDurationMs, wallTimeOf } from './clock.ts';
export { AddrSetError, ASET_CODES, type AsetCode } from './errors.ts';
export {
  formatPrefixDiagnostic, MAX_DIAGNOSTICS, parsePrefixFiles, parseText, PrefixListBuilder, prefixListOf,
  type ParseResult, type PrefixDiagnostic, type PrefixList,
} from './file.ts';
export { withSetLock, type LockOptions } from './lock.ts';
export { AsetMaps, countSlot, type Generation, type StaticKind } from './maps.ts';
export { formatPrefix, parsePrefix, parsePrefixAt, PrefixScratch, type Family, type Prefix, type PrefixProblem } from './prefix.ts';
export { clearMap, liveGeneration, setCount, setFlush, setList, setReplace, type ReplaceOptions, type ReplaceReport, type ReplaceStep, type SetCount } from './static.ts';
export { DEFAULT_INSTANCE, openInstance } from './instance.ts';
