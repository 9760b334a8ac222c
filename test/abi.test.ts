// src/abi against the compiled object's BTF (Cilium bpf_alignchecker style): every struct's size,
// every member's name, offset and size in order, every enum's enumerators in both directions.
import test from 'ava';

import {
  ABI_ENUMS, ABI_STRUCTS, cEnumeratorName, decodeMeta, encodeMetaIn, FW_META, FW_META_MAGIC, MALFORMED_REASONS,
  Reason, REASON_MAX, REASON_SLOTS, reasonName, sumPerCpuCounter, verdictName, XDP_MD,
} from '../src/abi/index.ts';
import { DEFAULT_OBJECT } from '../src/datapath/index.ts';
import { BpfObject, constants } from '../src/native/index.ts';

const obj = BpfObject.open(DEFAULT_OBJECT);
test.after.always(() => obj.close());

for (const s of ABI_STRUCTS) {
  test(`struct ${s.cName} matches BTF`, (t) => {
    const btf = obj.btf.struct(s.cName);
    t.is(btf.size, s.size, 'size');
    t.deepEqual(
      btf.members.map((m) => ({ name: m.name, offset: m.offset, size: m.size })),
      s.members.map((m) => ({ name: m.name, offset: m.offset, size: m.size })),
    );
    t.true(btf.members.every((m) => m.bitSize === 0), 'no bitfields in the ABI');
  });
}

for (const e of ABI_ENUMS) {
  test(`enum ${e.cName} matches BTF`, (t) => {
    const btf = obj.btf.enumValues(e.cName);
    const mirrored = Object.fromEntries(Object.entries(e.values).map(([k, v]) => [cEnumeratorName(e.prefix, k), v]));
    t.deepEqual(mirrored, btf);
  });
}

test('fw_meta is a valid XDP metadata area: a multiple of 4 and at most 32 bytes', (t) => {
  t.is(FW_META.size % 4, 0);
  t.true(FW_META.size <= 32);
  t.is(XDP_MD.size, constants.SIZEOF_XDP_MD);
});

test('reason slots: the map has room for every reason', (t) => {
  t.true(REASON_MAX <= REASON_SLOTS);
  const spec = obj.mapSpecs().find((m) => m.name === 'fw_reason_stats');
  t.is(spec?.maxEntries, REASON_SLOTS);
  t.is(spec?.typeName, 'percpu_array');
});

test('the malformed reasons are exactly the contiguous range the program treats as malformed', (t) => {
  const values = MALFORMED_REASONS.map((r) => Reason[r]).sort((a, b) => a - b);
  t.deepEqual(values, Array.from({ length: values.length }, (_, i) => Reason.malformed_eth + i));
  t.is(values[values.length - 1], Reason.malformed_icmpv6);
});

test('names: known values by name, unknown values marked', (t) => {
  t.is(reasonName(9), 'malformed_tcp');
  t.is(reasonName(63), 'unknown_63');
  t.is(verdictName(1), 'drop');
  t.is(verdictName(7), 'unknown_7');
});

test('meta codec round trip and per-CPU sum', (t) => {
  const b = Buffer.alloc(32, 0xff);
  encodeMetaIn(b, 123456789012345n);
  t.is(b.readUInt32LE(FW_META.off.magic), FW_META_MAGIC);
  const m = decodeMeta(b);
  t.is(m.tsNs, 123456789012345n);
  t.false(m.done);
  t.is(m.reason, 'pass_default');
  t.deepEqual(m.flags, []);
  const pc = Buffer.alloc(32 * 3);
  for (let c = 0; c < 3; c++) {
    pc.writeBigUInt64LE(BigInt(c + 1), c * 16);
    pc.writeBigUInt64LE(BigInt(100 * (c + 1)), c * 16 + 8);
  }
  t.deepEqual(sumPerCpuCounter(pc, 3), { packets: 6n, bytes: 600n });
});
