// Stage 4, validate: binds every option to what it acts on, in rule order, as Suricata's parser
// does (sticky buffers select the buffer of what follows, modifiers and legacy buffer modifiers
// act on the content before them), then checks the rule across keywords: modifier conflicts,
// limits that can never be met, buffers on the wrong protocol, conflicting flow and buffer
// directions, ports on a portless protocol, missing sid.
import type { Span } from './diagnostics.ts';
import { BUFFERS, type AddressSet, type AppProto, type BufferName, type PortSet } from './ir.ts';
import type { ContentValue } from './keywords/content.ts';
import type { FastPatternValue } from './keywords/fast_pattern.ts';
import type { FlowbitsValue } from './keywords/flowbits.ts';
import type { KeywordCtx, ModifierKeyword, PayloadKeyword } from './keywords/types.ts';
import type { ParsedOption, ParsedRule } from './parse.ts';
import { carries } from './protocols.ts';
import type { FlowMatch, UintMatch } from './ir.ts';

/** A payload item bound to its buffer, with the modifiers that apply to it (contents only). */
export interface BoundItem {
  opt: ParsedOption;
  buffer: BufferName;
  modifiers: ParsedOption[];
  /** Set when a legacy modifier moved a content into its buffer. */
  movedBy?: ParsedOption;
  /** The option that chose the buffer: a sticky buffer, or the item itself. */
  via: ParsedOption;
  /** After an unsupported keyword (perhaps a buffer fwctl does not know): the rule is skipped, so
   * checks that depend on the buffer are not made. */
  opaque?: boolean;
}

export interface ValidRule {
  parsed: ParsedRule;
  src: AddressSet;
  srcPorts: PortSet;
  dst: AddressSet;
  dstPorts: PortSet;
  /** Options that set rule-level fields, in order. */
  ruleOptions: ParsedOption[];
  /** Payload items grouped by buffer, buffers in order of first use. */
  buffers: Array<{ buffer: BufferName; items: BoundItem[] }>;
  app: AppProto | null;
  sidSpan?: Span;
}

export interface Resolved {
  src?: AddressSet;
  srcPorts?: PortSet;
  dst?: AddressSet;
  dstPorts?: PortSet;
}

function ctxFor(r: ParsedRule, o: ParsedOption): KeywordCtx {
  return { report: r.report, proto: r.proto!, nameSpan: o.raw.nameSpan, valueSpan: o.raw.valueSpan, optionSpan: o.raw.span };
}

const isContent = (o: ParsedOption) => o.def.role === 'payload' && (o.def as PayloadKeyword<unknown>).isContent === true;
const contentLen = (o: ParsedOption) => (o.value as ContentValue).bytes.length;
const isNegated = (o: ParsedOption) => (o.value as ContentValue).negated;

/** Binds and checks one rule. Returns undefined when the rule cannot be lowered (its errors are reported). */
export function validateRule(r: ParsedRule, res: Resolved): ValidRule | undefined {
  const rep = r.report;
  const ruleOptions: ParsedOption[] = [];
  const items: BoundItem[] = [];
  const seenOnce: string[] = [];
  let sticky: { opt?: ParsedOption; buffer: BufferName; used: boolean; opaque?: boolean } | undefined;
  let lastContent: BoundItem | undefined;
  let fastPattern: BoundItem | undefined;

  // A sticky buffer followed only by keywords fwctl skips (transforms, datasets) is not empty.
  const closeSticky = () => {
    if (sticky?.opt && !sticky.used && rep.unsupported.length === 0 && r.failedBefore.length === 0) {
      rep.report('E_EMPTY_BUFFER', `sticky buffer "${sticky.opt.raw.name}" is not followed by a content or other payload keyword`, sticky.opt.raw.nameSpan);
    }
  };

  for (const [i, o] of r.parsed.entries()) {
    if (r.opaqueBefore.length > 0 && r.opaqueBefore.includes(i)) {
      closeSticky();
      sticky = { buffer: 'payload', used: true, opaque: true };
    }
    const def = o.def;
    switch (def.role) {
      case 'rule': {
        if (def.once) {
          if (seenOnce.includes(def.name)) {
            rep.report('E_DUPLICATE_OPTION', `"${def.name}" may appear only once in a rule`, o.raw.span);
            continue;
          }
          seenOnce.push(def.name);
        }
        ruleOptions.push(o);
        break;
      }
      case 'sticky': {
        closeSticky();
        sticky = def.buffer === 'payload' ? undefined : { opt: o, buffer: def.buffer, used: false };
        break;
      }
      case 'payload': {
        const own = def.ownBuffer?.(o.value);
        let buffer: BufferName;
        if (own) {
          if (sticky && !sticky.opaque && !def.ignoresSticky && own !== sticky.buffer) {
            rep.report('E_BUFFER_CONFLICT', `"${o.raw.name}" selects ${own} inside the sticky buffer ${sticky.buffer}; put it before the sticky buffer or after pkt_data`, o.raw.span);
            continue;
          }
          buffer = own;
        } else if (sticky) buffer = sticky.buffer;
        else if (def.requiresSticky) {
          rep.report('E_BUFFER_CONFLICT', `"${o.raw.name}" must follow a sticky buffer (such as http.uri or dns.query)`, o.raw.span);
          continue;
        } else if (def.isRelative(o.value) && !isContent(o)) {
          const anchor = [...items].reverse().find((it) => (it.opt.def as PayloadKeyword<unknown>).anchors);
          buffer = anchor?.buffer ?? 'payload';
        } else buffer = 'payload';
        if (sticky && !(own && def.ignoresSticky)) sticky.used = true;
        const via = !own && sticky?.opt ? sticky.opt : o;
        const item: BoundItem = { opt: o, buffer, modifiers: [], via, ...(sticky?.opaque ? { opaque: true } : {}) };
        items.push(item);
        if (isContent(o)) lastContent = item;
        break;
      }
      case 'modifier': {
        if (!lastContent) {
          if (failedEarlier(r, i)) continue;
          rep.report('E_MODIFIER_WITHOUT_CONTENT', `"${o.raw.name}" needs a content before it`, o.raw.nameSpan);
          continue;
        }
        if (!attachModifier(r, lastContent, o, def)) continue;
        if (def.name === 'fast_pattern') {
          if (fastPattern && fastPattern !== lastContent) {
            rep.report('E_OPTION_CONFLICT', 'fast_pattern can be set on only one content per rule', o.raw.nameSpan);
            continue;
          }
          fastPattern = lastContent;
        }
        lastContent.modifiers.push(o);
        break;
      }
      case 'legacy': {
        if (!lastContent) {
          if (failedEarlier(r, i)) continue;
          rep.report('E_MODIFIER_WITHOUT_CONTENT', `"${o.raw.name}" needs a content before it`, o.raw.nameSpan);
          continue;
        }
        if (sticky?.opaque) continue;
        if (sticky) {
          rep.report('E_BUFFER_CONFLICT', `legacy modifier "${o.raw.name}" inside the sticky buffer ${sticky.buffer}; use the sticky buffer ${def.buffer} before the content instead`, o.raw.nameSpan);
          continue;
        }
        const moved = lastContent.movedBy ?? (lastContent.buffer !== 'payload' ? lastContent.opt : undefined);
        if (moved && lastContent.buffer !== def.buffer) {
          rep.report('E_BUFFER_CONFLICT', `"${o.raw.name}" moves a content already in ${lastContent.buffer} (by "${moved.raw.name}")`, o.raw.nameSpan);
          continue;
        }
        lastContent.buffer = def.buffer;
        lastContent.movedBy = o;
        lastContent.via = o;
        break;
      }
    }
  }
  closeSticky();

  for (const o of r.parsed) {
    if ((o.def.role === 'rule' || o.def.role === 'payload') && o.def.validate && r.proto) o.def.validate(o.value, ctxFor(r, o));
  }

  const buffers = group(items.filter((it) => !it.opaque));
  checkContents(r, buffers);
  const app = checkProtocol(r, items.filter((it) => !it.opaque), ruleOptions);
  checkRuleOptions(r, ruleOptions, buffers, res);

  const sidOpt = ruleOptions.find((o) => o.def.name === 'sid');
  if (!sidOpt && r.options !== null && !r.options.some((o) => o.name === 'sid')) rep.report('E_MISSING_SID', 'rule has no sid: add sid:<number>;', r.headerSpan);

  if (rep.hasErrors || !r.action || !r.proto || !r.direction || !res.src || !res.dst || !res.srcPorts || !res.dstPorts) return undefined;
  return {
    parsed: r,
    src: res.src,
    srcPorts: res.srcPorts,
    dst: res.dst,
    dstPorts: res.dstPorts,
    ruleOptions,
    buffers,
    app,
    sidSpan: sidOpt?.raw.valueSpan,
  };
}

/** Did an option before index i fail to parse? Then a missing content may be its echo. */
function failedEarlier(r: ParsedRule, i: number): boolean {
  return r.failedBefore.length > 0 && r.failedBefore[0] <= i;
}

function hasClass(c: BoundItem, k: ModifierKeyword<unknown>['class']): boolean {
  for (const m of c.modifiers) if ((m.def as ModifierKeyword<unknown>).class === k) return true;
  return false;
}

/** Checks a modifier against the ones already on its content (Suricata's per-modifier setup checks). */
function attachModifier(r: ParsedRule, c: BoundItem, o: ParsedOption, def: ModifierKeyword<unknown>): boolean {
  const rep = r.report;
  const dup = c.modifiers.find((m) => m.def === def);
  if (dup && def.name !== 'rawbytes') {
    rep.report('E_MODIFIER_CONFLICT', `"${def.name}" given twice for the same content`, o.raw.nameSpan);
    return false;
  }
  const clash =
    (def.class === 'absolute' && (hasClass(c, 'relative') || hasClass(c, 'startswith'))) ||
    (def.class === 'relative' && (hasClass(c, 'absolute') || hasClass(c, 'startswith'))) ||
    (def.class === 'startswith' && (hasClass(c, 'absolute') || hasClass(c, 'relative')));
  if (clash) {
    const other = c.modifiers.find((m) => ['absolute', 'relative', 'startswith'].includes((m.def as ModifierKeyword<unknown>).class))!;
    rep.report(
      'E_MODIFIER_CONFLICT',
      `"${def.name}" cannot be combined with "${other.def.name}" on the same content (absolute and relative positions exclude each other)`,
      o.raw.nameSpan,
    );
    return false;
  }
  return true;
}

function group(items: BoundItem[]): Array<{ buffer: BufferName; items: BoundItem[] }> {
  const out: Array<{ buffer: BufferName; items: BoundItem[] }> = [];
  for (const it of items) {
    let g = out.find((x) => x.buffer === it.buffer);
    if (!g) out.push((g = { buffer: it.buffer, items: [] }));
    g.items.push(it);
  }
  return out;
}

const modValue = (c: BoundItem, name: string) => c.modifiers.find((m) => m.def.name === name);

/** Limits that can never be met, fast_pattern misuse, relative pcre without an anchor. */
function checkContents(r: ParsedRule, buffers: Array<{ buffer: BufferName; items: BoundItem[] }>): void {
  const rep = r.report;
  for (const g of buffers) {
    let anchored = false;
    for (let i = 0; i < g.items.length; i++) {
      const it = g.items[i];
      const def = it.opt.def as PayloadKeyword<unknown>;
      if (def.name === 'pcre' && def.isRelative(it.opt.value) && !anchored) {
        rep.report('E_MODIFIER_WITHOUT_CONTENT', `relative pcre (/R) needs a content or pcre before it in ${g.buffer}`, it.opt.raw.valueSpan);
      }
      if (def.anchors) anchored = true;
      if (!isContent(it.opt)) continue;
      const len = contentLen(it.opt);
      for (const name of ['within', 'depth'] as const) {
        const m = modValue(it, name);
        if (m && (m.value as number) < len) {
          rep.report('E_UNSATISFIABLE', `${name} ${m.value as number} is less than the content length ${len}, so it can never match`, m.raw.valueSpan);
        }
      }
      const fp = modValue(it, 'fast_pattern');
      if (fp) {
        const v = fp.value as FastPatternValue;
        const relative = it.modifiers.some((m) => (m.def as ModifierKeyword<unknown>).class === 'relative');
        const next = g.items[i + 1];
        const nextRelative = next && next.modifiers.some((m) => (m.def as ModifierKeyword<unknown>).class === 'relative');
        if (v.only && (relative || nextRelative)) {
          rep.report('E_MODIFIER_CONFLICT', 'fast_pattern:only cannot be used on a content with relative matches (distance/within) on it or after it', fp.raw.span);
        } else if (v.only && isNegated(it.opt)) {
          rep.report('E_MODIFIER_CONFLICT', 'fast_pattern:only cannot be used on a negated content', fp.raw.span);
        } else if (isNegated(it.opt) && relative) {
          rep.report('E_MODIFIER_CONFLICT', 'a negated content with relative modifiers cannot be the fast_pattern', fp.raw.span);
        }
        if (v.chop && v.chop.offset + v.chop.length > len) {
          rep.report('E_BAD_VALUE', `fast_pattern slice ${v.chop.offset},${v.chop.length} goes past the content's ${len} bytes`, fp.raw.valueSpan);
        }
      }
    }
    // bsize (or urilen) shorter than a content it must contain.
    const lengths = g.items.filter((it) => it.opt.def.name === 'bsize' || it.opt.def.name === 'urilen');
    for (const l of lengths) {
      const cond = (l.opt.def.name === 'urilen' ? (l.opt.value as { item: { cond: UintMatch } }).item : (l.opt.value as { cond: UintMatch })).cond;
      const maxLen = uintMax(cond);
      const longest = Math.max(0, ...g.items.filter((it) => isContent(it.opt) && !isNegated(it.opt)).map((it) => contentLen(it.opt)));
      if (maxLen !== undefined && longest > maxLen) {
        rep.report('E_UNSATISFIABLE', `${l.opt.def.name} allows at most ${maxLen} bytes but a content in ${g.buffer} needs ${longest}`, l.opt.raw.valueSpan);
      }
    }
  }
}

/** The largest value a comparison allows, if bounded. */
function uintMax(c: UintMatch): number | undefined {
  switch (c.mode) {
    case 'eq':
      return c.a;
    case 'lt':
      return c.a - 1;
    case 'lte':
      return c.a;
    case 'range':
      return (c.b as number) - 1;
    default:
      return undefined;
  }
}

/** The app-layer protocol the buffers imply, checked against the header protocol. */
function checkProtocol(r: ParsedRule, items: BoundItem[], ruleOptions: ParsedOption[]): AppProto | null {
  const rep = r.report;
  if (!r.proto) return null;
  let app: AppProto | null = r.proto.app;
  let appFrom: ParsedOption | undefined;
  for (const it of items) {
    const want = BUFFERS[it.buffer].app;
    if (!want) continue;
    const by = it.via;
    if (!carries(r.proto, want)) {
      rep.report('E_BUFFER_PROTOCOL', `${it.buffer} inspects ${want} but the rule's protocol is ${r.proto.proto.name}`, by.raw.nameSpan);
      return app;
    }
    if (app && app !== want) {
      rep.report('E_BUFFER_CONFLICT', `${it.buffer} inspects ${want} but the rule already inspects ${app}${appFrom ? ` (${appFrom.raw.name})` : ''}`, by.raw.nameSpan);
      return app;
    }
    app = want;
    appFrom ??= by;
  }
  const flow = ruleOptions.find((o) => o.def.name === 'flow');
  const dir = (flow?.value as FlowMatch | undefined)?.direction;
  if (dir) {
    for (const it of items) {
      const bdir = BUFFERS[it.buffer].dir;
      if (bdir !== 'both' && bdir !== dir) {
        rep.report('E_BUFFER_CONFLICT', `${it.buffer} is only seen ${bdir.replace('_', ' ')} but the rule has flow:${dir}`, it.via.raw.nameSpan);
        break;
      }
    }
  }
  return app;
}

function checkRuleOptions(r: ParsedRule, opts: ParsedOption[], buffers: Array<{ buffer: BufferName; items: BoundItem[] }>, res: Resolved): void {
  const rep = r.report;
  const by = (name: string) => opts.find((o) => o.def.name === name);
  const th = by('threshold');
  const df = by('detection_filter');
  if (th && df) rep.report('E_OPTION_CONFLICT', 'threshold and detection_filter cannot be used in the same rule', df.raw.span);

  // isset and isnotset of the same bit.
  const isset = new Set<string>();
  for (const o of opts) {
    if (o.def.name !== 'flowbits') continue;
    const v = o.value as FlowbitsValue;
    if (v !== 'noalert' && v.op === 'isset' && v.names.length === 1) isset.add(v.names[0]);
  }
  for (const o of opts) {
    if (o.def.name !== 'flowbits') continue;
    const v = o.value as FlowbitsValue;
    if (v !== 'noalert' && v.op === 'isnotset' && v.names.length === 1 && isset.has(v.names[0])) {
      rep.report('E_UNSATISFIABLE', `flowbit "${v.names[0]}" is tested both isset and isnotset`, o.raw.valueSpan);
    }
  }

  // dsize smaller than a payload content.
  const ds = by('dsize');
  const payload = buffers.find((g) => g.buffer === 'payload');
  if (ds && payload) {
    const max = uintMax(ds.value as UintMatch);
    const need = Math.max(0, ...payload.items.filter((it) => isContent(it.opt) && !isNegated(it.opt)).map((it) => {
      const off = modValue(it, 'offset');
      return contentLen(it.opt) + (off ? (off.value as number) : 0);
    }));
    if (max !== undefined && need > max) {
      rep.report('E_UNSATISFIABLE', `dsize allows at most ${max} bytes of payload but a content needs ${need}`, ds.raw.valueSpan);
    }
  }

  if (!r.proto) return;
  // Header keywords on protocols that lack the field.
  const ip = r.proto.proto.ipProto;
  for (const o of opts) {
    const want = o.def.role === 'rule' ? o.def.ipProtos : undefined;
    if (want && ip && !ip.some((p) => want.includes(p))) {
      rep.report('W_KEYWORD_PROTOCOL', `"${o.def.name}" never matches a ${r.proto.proto.name} packet`, o.raw.nameSpan);
    }
  }
  if (!r.proto.ports) {
    for (const [ports, loc] of [[res.srcPorts, r.srcPort], [res.dstPorts, r.dstPort]] as const) {
      if (ports && loc && !ports.any) {
        rep.report('E_PORTS_ON_PORTLESS', `protocol ${r.proto.proto.name} has no ports; write "any"`, loc.span);
      }
    }
  }
}
