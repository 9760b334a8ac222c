// Stage 2, parse: header words and raw options → a typed rule AST. Every problem is reported and
// parsing goes on, so one pass shows all the errors of a rule. Keyword values are parsed by the
// keyword plugins (keywords/registry.ts).
import type { Code } from '../errors.ts';
import { span, type Span } from './diagnostics.ts';
import type { Action } from './ir.ts';
import { keywordNames, lookupKeyword } from './keywords/registry.ts';
import type { KeywordDef } from './keywords/types.ts';
import type { LexedRule, RawOption, Word } from './lex.ts';
import { lookupProtocol, protocolNames, type ProtoInfo } from './protocols.ts';
import { closest } from './suggest.ts';
import { parseAddress, parsePort, type AddrNode, type PortNode } from './syntax/addrport.ts';
import type { Part, ValueCtx } from './syntax/values.ts';

export type SupportedKeyword = Exclude<KeywordDef, { role: 'unsupported' }>;

export interface ParsedOption {
  def: SupportedKeyword;
  value: unknown;
  raw: RawOption;
}

/** An address or port expression with offsets relative to `base` (the word's start in the rule). */
export interface Located<N> {
  node: N;
  base: number;
  span: Span;
}

export interface ParsedRule extends LexedRule {
  action?: Action;
  proto?: ProtoInfo;
  protoSpan?: Span;
  srcAddr?: Located<AddrNode>;
  srcPort?: Located<PortNode>;
  direction?: '->' | '<>';
  dstAddr?: Located<AddrNode>;
  dstPort?: Located<PortNode>;
  /** The options whose keyword is supported and whose value parsed. */
  parsed: ParsedOption[];
  /** Indexes into `parsed` before which an unsupported keyword stood (it may have been a buffer). */
  opaqueBefore: number[];
  /** Indexes into `parsed` before which an option failed to parse (later errors may be its echo). */
  failedBefore: number[];
}

const ACTIONS: readonly Action[] = ['alert', 'pass', 'drop', 'reject', 'rejectsrc', 'rejectdst', 'rejectboth'];
const UNSUPPORTED_ACTIONS = ['config', 'accept'];

export function parseRule(lexed: LexedRule): ParsedRule {
  const out: ParsedRule = {
    src: lexed.src,
    report: lexed.report,
    header: lexed.header,
    headerSpan: lexed.headerSpan,
    options: lexed.options,
    action: undefined,
    proto: undefined,
    protoSpan: undefined,
    srcAddr: undefined,
    srcPort: undefined,
    direction: undefined,
    dstAddr: undefined,
    dstPort: undefined,
    parsed: [],
    opaqueBefore: [],
    failedBefore: [],
  };
  parseHeader(out, lexed.header);
  for (const raw of lexed.options ?? []) {
    const errors = out.report.diagnostics.length;
    const opt = parseOption(out, raw);
    if (opt) out.parsed.push(opt);
    else if (out.report.diagnostics.slice(errors).some((d) => d.severity === 'error')) out.failedBefore.push(out.parsed.length);
  }
  return out;
}

function parseHeader(r: ParsedRule, words: Word[]): void {
  const rep = r.report;
  if (words.length !== 7) {
    const what = words.length < 7 ? 'too few' : 'too many';
    const at = words.length > 7 ? span(words[7].span.start, words[words.length - 1].span.end) : r.headerSpan;
    rep.report('E_HEADER_FIELDS', `${what} header fields (${words.length}): expected "action protocol source port direction destination port"`, at);
    if (words.length < 2) return;
  }
  const action = words[0];
  const proto = words[1];
  const a = action.text.toLowerCase();
  if ((ACTIONS as readonly string[]).includes(a)) r.action = a as Action;
  else if (UNSUPPORTED_ACTIONS.includes(a)) {
    rep.unsupportedFeature('W_UNSUPPORTED_ACTION', `action:${a}`, `action "${a}" is not supported by fwctl yet; rule skipped`, action.span);
  } else {
    const hint = closest(a, ACTIONS);
    rep.report('E_UNKNOWN_ACTION', `unknown action "${action.text}"${hint ? `; did you mean "${hint}"?` : ''}`, action.span, hint);
  }
  const info = lookupProtocol(proto.text);
  r.protoSpan = proto.span;
  if (!info) {
    const hint = closest(proto.text.toLowerCase(), protocolNames());
    rep.report('E_UNKNOWN_PROTOCOL', `unknown protocol "${proto.text}"${hint ? `; did you mean "${hint}"?` : ''}`, proto.span, hint);
  } else {
    r.proto = info;
    if (!info.supported) {
      rep.unsupportedFeature('W_UNSUPPORTED_PROTOCOL', `proto:${info.proto.name}`, `protocol "${info.proto.name}" is not supported by fwctl yet; rule skipped`, proto.span);
    }
  }
  if (words.length !== 7) return;
  const dir = words[4];
  r.srcAddr = address(r, words[2]);
  r.srcPort = port(r, words[3]);
  if (dir.text === '->' || dir.text === '<>') r.direction = dir.text;
  else if (dir.text === '=>') {
    rep.unsupportedFeature('W_UNSUPPORTED_KEYWORD', 'direction =>', 'the transactional direction "=>" is not supported by fwctl yet; rule skipped', dir.span);
  } else {
    const hint = dir.text === '<-' ? '->' : undefined;
    rep.report('E_BAD_DIRECTION', `bad direction "${dir.text}": expected "->" or "<>"`, dir.span, hint);
  }
  r.dstAddr = address(r, words[5]);
  r.dstPort = port(r, words[6]);
}

function address(r: ParsedRule, w: Word): Located<AddrNode> | undefined {
  const { node, errors } = parseAddress(w.text);
  for (const e of errors) r.report.report('E_BAD_ADDRESS', e.message, span(w.span.start + e.at.start, w.span.start + e.at.end));
  return node ? { node, base: w.span.start, span: w.span } : undefined;
}

function port(r: ParsedRule, w: Word): Located<PortNode> | undefined {
  const { node, errors } = parsePort(w.text);
  for (const e of errors) r.report.report('E_BAD_PORT', e.message, span(w.span.start + e.at.start, w.span.start + e.at.end));
  return node ? { node, base: w.span.start, span: w.span } : undefined;
}

/** The ValueCtx a keyword's parse() gets: reports land on the option's value. */
class OptionValue implements ValueCtx {
  failed = false;
  readonly span: Span;

  constructor(
    private readonly r: ParsedRule,
    private readonly raw: RawOption,
    readonly text: string,
  ) {
    this.span = raw.valueSpan;
  }

  error(code: Code, message: string, p?: Part, suggestion?: string): void {
    this.failed = true;
    this.r.report.report(code, message, partAt(this.raw, p), suggestion);
  }

  unsupported(feature: string, message: string, p?: Part): void {
    this.failed = true;
    if (feature === 'byte_extract' && p && !declaresVariable(this.r, p.text)) {
      this.r.report.report('E_BAD_VALUE', `"${this.raw.name}": "${p.text}" is not a number, nor a variable defined by byte_extract or byte_math`, partAt(this.raw, p));
      return;
    }
    this.r.report.unsupportedFeature('W_UNSUPPORTED_KEYWORD', feature, `${message}; rule skipped`, partAt(this.raw, p));
  }
}

function partAt(raw: RawOption, p?: Part): Span {
  return p ? span(raw.valueSpan.start + p.start, raw.valueSpan.start + p.end) : raw.valueSpan;
}

/** Does a byte_extract or byte_math option of the rule name this variable? */
function declaresVariable(r: ParsedRule, name: string): boolean {
  return (r.options ?? []).some(
    (o) => (o.name === 'byte_extract' || o.name === 'byte_math') && (o.value ?? '').split(',').some((f) => f.trim() === name || f.trim() === `result ${name}`),
  );
}

function parseOption(r: ParsedRule, raw: RawOption): ParsedOption | undefined {
  const rep = r.report;
  const def = lookupKeyword(raw.name);
  if (!def) {
    const hint = closest(raw.name, keywordNames());
    rep.report('E_UNKNOWN_KEYWORD', `unknown keyword "${raw.name}"${hint ? `; did you mean "${hint}"?` : ''}`, raw.nameSpan, hint);
    return undefined;
  }
  if (def.role === 'unsupported') {
    rep.unsupportedFeature('W_UNSUPPORTED_KEYWORD', def.name, `keyword "${raw.name}" (${def.description}) is not supported by fwctl yet; rule skipped`, raw.nameSpan);
    r.opaqueBefore.push(r.parsed.length);
    return undefined;
  }
  const hasValue = raw.value !== null && raw.value !== '';
  if (def.value === 'none' && raw.value !== null) {
    rep.report('E_UNEXPECTED_VALUE', `"${raw.name}" takes no value`, hasValue ? raw.valueSpan : raw.nameSpan);
    return undefined;
  }
  if (def.value === 'required' && !hasValue) {
    rep.report('E_MISSING_VALUE', `"${raw.name}" needs a value: ${raw.name}:<value>;`, raw.nameSpan);
    return undefined;
  }
  const text = raw.value ?? '';
  if (text.startsWith('!') && !def.negatable) {
    rep.report('E_NEGATION_NOT_ALLOWED', `"${raw.name}" cannot be negated`, span(raw.valueSpan.start, raw.valueSpan.start + 1));
    return undefined;
  }
  const ctx = new OptionValue(r, raw, text);
  const value = def.parse(ctx);
  if (value === undefined || ctx.failed) return undefined;
  return { def, value, raw };
}
