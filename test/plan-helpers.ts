// A readable digest of a classifier plan's images, decoded from the bytes (not from the planner's
// internals), for golden tests: each value field as value ranges -> class, each class's bitmap row
// as the slots it holds, the rule table, the address trie by family, the projections.
import { ClsFin, ClsLayout, ClsRuleFlag, FW_CLS_PROJ, FW_CLS_RULE, FW_CLS_SKIP, MapName } from '../src/abi/index.ts';
import type { ClassifierPlan } from '../src/rules/plan/index.ts';

const FIELDS: Array<[string, number, number]> = [
  ['pf', ClsLayout.off_pf, 256 * ClsLayout.dom_flags], ['icmp', ClsLayout.off_icmp, ClsLayout.dom_u16],
  ['ttl', ClsLayout.off_ttl, 256], ['dsize', ClsLayout.off_dsize, ClsLayout.dom_u16],
  ['sport', ClsLayout.off_sport, ClsLayout.dom_u16], ['dport', ClsLayout.off_dport, ClsLayout.dom_u16],
];
const BANDS = ['pass', 'drop', 'reject', 'alert', 'flag'];
const ACTIONS = ['pass', 'drop', 'reject', 'alert'];

function u32s(b: Buffer): Uint32Array {
  return new Uint32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

/** value ranges -> class, as "lo-hi:c" (one value: "v:c"). */
function runs(a: Uint32Array, off: number, n: number): string {
  const out: string[] = [];
  let lo = 0;
  for (let v = 1; v <= n; v++) {
    if (v === n || a[off + v] !== a[off + lo]) {
      out.push(`${lo === v - 1 ? lo : `${lo}-${v - 1}`}:${a[off + lo]}`);
      lo = v;
    }
  }
  return out.join(' ');
}

function slotsOf(words: Uint32Array, at: number, n32: number): string {
  const s: number[] = [];
  for (let i = 0; i < n32; i++) for (let b = 0; b < 32; b++) if ((words[at + i] >>> b) & 1) s.push(i * 32 + b);
  return `{${s.join(',')}}`;
}

function entry(e: number): string {
  const t = e >>> 30;
  const k = e & 0x3fffffff;
  return t === 0 ? `leaf ${k}` : t === 1 ? `node ${k}` : `skip ${k}`;
}

export function describePlan(p: ClassifierPlan): string {
  const c = p.cfg;
  const lines = [`slots ${c.nslots} words ${c.nwords} sum ${c.nsum} features ${c.features} rules ${c.ruleCount}`];
  const fld = u32s(p.images[MapName.clsFld].data);
  for (const [name, off, n] of FIELDS) lines.push(`${name}: ${runs(fld, off, n)}`);
  const bm = u32s(p.images[MapName.clsBm].data);
  const sum = u32s(p.images[MapName.clsSum].data);
  const names = Object.keys(ClsFin) as Array<keyof typeof ClsFin>;
  names.forEach((f, fi) => {
    const first = c.fbase[fi];
    const count = p.stats.classes[f];
    const rows: string[] = [];
    for (let k = 0; k < count; k++) {
      const row = first + k;
      rows.push(`${k}=${slotsOf(bm, row * c.nwords * 2, c.nwords * 2)}/${slotsOf(sum, row * c.nsum * 2, c.nsum * 2)}`);
    }
    lines.push(`rows ${f}: ${rows.join(' ')}`);
  });
  const rule = p.images[MapName.clsRule].data;
  const R = FW_CLS_RULE.off;
  for (let s = 0; s < c.nslots; s++) {
    const at = s * FW_CLS_RULE.size;
    const id = rule.readUInt32LE(at + R.rule_id);
    if (id === 0xffffffff) continue;
    const flags = rule[at + R.flags];
    const fl = Object.entries(ClsRuleFlag).filter(([, b]) => flags & b).map(([n]) => n).join('|') || '-';
    lines.push(`slot ${s}: id ${id} sid ${rule.readUInt32LE(at + R.sid)} rank ${rule.readUInt32LE(at + R.rank)} ` +
      `${BANDS[rule[at + R.band]]} action ${ACTIONS[rule[at + R.action]]} kind ${rule[at + R.reject_kind]} flags ${fl} ` +
      `twin ${rule.readUInt32LE(at + R.twin)} frag ${rule[at + R.frag_mode]}/${rule[at + R.frag_bits]} ipopt ${rule[at + R.ipopt]} ` +
      `id ${rule.readUInt16LE(at + R.icmp_id)} seq ${rule.readUInt16LE(at + R.icmp_seq)}`);
  }
  const root = u32s(p.images[MapName.clsRoot].data);
  const rootRuns = (off: number) => {
    const out: string[] = [];
    let lo = 0;
    for (let v = 1; v <= 65536; v++) {
      if (v === 65536 || root[off + v] !== root[off + lo]) {
        out.push(`${lo === v - 1 ? lo.toString(16) : `${lo.toString(16)}-${(v - 1).toString(16)}`}:${entry(root[off + lo])}`);
        lo = v;
      }
    }
    return out.join(' ');
  };
  lines.push(`root4: ${rootRuns(0)}`);
  lines.push(`root6: ${rootRuns(65536)}`);
  const nodes = u32s(p.images[MapName.clsNode].data);
  for (let n = 0; n < p.images[MapName.clsNode].count; n++) {
    const out: string[] = [];
    let lo = 0;
    for (let v = 1; v <= 256; v++) {
      if (v === 256 || nodes[n * 256 + v] !== nodes[n * 256 + lo]) {
        out.push(`${lo === v - 1 ? lo : `${lo}-${v - 1}`}:${entry(nodes[n * 256 + lo])}`);
        lo = v;
      }
    }
    lines.push(`node ${n}: ${out.join(' ')}`);
  }
  const skip = p.images[MapName.clsSkip].data;
  for (let k = 0; k < p.images[MapName.clsSkip].count; k++) {
    const at = k * FW_CLS_SKIP.size;
    const mask = skip.subarray(at + FW_CLS_SKIP.off.mask, at + FW_CLS_SKIP.off.mask + 16);
    const val = skip.subarray(at + FW_CLS_SKIP.off.val, at + FW_CLS_SKIP.off.val + 16);
    const bytes = [...mask].map((m, i) => (m ? `${i}=${val[i].toString(16)}` : '')).filter(Boolean).join(',');
    lines.push(`skip ${k}: bytes ${bytes} next ${entry(skip.readUInt32LE(at + FW_CLS_SKIP.off.next))} ` +
      `miss ${skip.readUInt32LE(at + FW_CLS_SKIP.off.miss)} depth ${skip.readUInt32LE(at + FW_CLS_SKIP.off.depth)}`);
  }
  const proj = p.images[MapName.clsProj].data;
  const pj: string[] = [];
  for (let a = 0; a < p.images[MapName.clsProj].count; a++) {
    pj.push(`${a}=s${proj.readUInt32LE(a * FW_CLS_PROJ.size)}/d${proj.readUInt32LE(a * FW_CLS_PROJ.size + 4)}`);
  }
  lines.push(`proj: ${pj.join(' ')}`);
  return lines.join('\n');
}
