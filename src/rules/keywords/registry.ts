// The keyword table (Suricata's sigmatch_table): every supported keyword, its aliases, and the
// recognized-but-unsupported ones. Lookup is by lowercased name.
import { stickyBuffers, legacyModifiers } from './buffers.ts';
import { bsize } from './bsize.ts';
import { byteJump } from './byte_jump.ts';
import { byteTest } from './byte_test.ts';
import { classtype } from './classtype.ts';
import { content, uricontent } from './content.ts';
import { detectionFilter } from './detection_filter.ts';
import { fastPattern } from './fast_pattern.ts';
import { flags } from './flags.ts';
import { flow } from './flow.ts';
import { flowbits } from './flowbits.ts';
import { fragbits } from './fragbits.ts';
import { icmpId, icmpSeq } from './icmp-ids.ts';
import { gid, rev, sid } from './ids.ts';
import { ipProto } from './ip_proto.ts';
import { ipopts } from './ipopts.ts';
import { isdataat } from './isdataat.ts';
import { metadata } from './metadata.ts';
import { depth, distance, endswith, nocase, offset, rawbytes, startswith, within } from './modifiers.ts';
import { msg } from './msg.ts';
import { noalert } from './noalert.ts';
import { pcre } from './pcre.ts';
import { priority } from './priority.ts';
import { reference } from './reference.ts';
import { sameip } from './sameip.ts';
import { streamSize } from './stream_size.ts';
import { target } from './target.ts';
import { threshold } from './threshold.ts';
import type { KeywordDef } from './types.ts';
import { dsize, icode, itype, ttl } from './uint-header.ts';
import { lookupUnsupported, unsupportedKeywords } from './unsupported.ts';
import { urilen } from './urilen.ts';

/** Every supported keyword, in documentation order. */
export const KEYWORDS: readonly KeywordDef[] = [
  // meta
  msg, sid, rev, gid, classtype, reference, priority, metadata, target, noalert,
  // payload
  content, uricontent, nocase, depth, offset, distance, within, fastPattern, startswith, endswith, rawbytes,
  pcre, byteTest, byteJump, isdataat, bsize, urilen,
  // buffers
  ...stickyBuffers, ...legacyModifiers,
  // flow and state
  flow, flowbits, threshold, detectionFilter, streamSize,
  // header
  flags, fragbits, itype, icode, icmpId, icmpSeq, ttl, dsize, ipProto, sameip, ipopts,
];

const byName = new Map<string, KeywordDef>();
for (const k of KEYWORDS) {
  if (k.role === 'unsupported') continue;
  for (const n of [k.name, ...(k.aliases ?? [])]) {
    if (byName.has(n)) throw new Error(`keyword ${n} registered twice`);
    byName.set(n, k);
  }
}

export function lookupKeyword(name: string): KeywordDef | undefined {
  return byName.get(name) ?? lookupUnsupported(name);
}

/** All names a keyword can be written with, for did-you-mean suggestions. */
export function keywordNames(): string[] {
  return [...byName.keys(), ...unsupportedKeywords.map((k) => k.name)];
}
