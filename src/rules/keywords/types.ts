// What a keyword plugin is (Suricata's sigmatch_table entry, Snort 3's one option per file).
// Every keyword exports one of these; registry.ts lists them all. The pipeline is generic over
// `role`: it decides where an option's value goes (the rule, the current buffer, the last content)
// and calls the keyword's hooks:
//   parse    (parse stage)    value text → typed value, reporting syntax errors;
//   validate (validate stage) checks that need the rule around it (protocol, other keywords);
//   lower    (lower stage)    typed value → its piece of the IR.
import type { Reporter, Span } from '../diagnostics.ts';
import type {
  BufferName,
  ContentMatch,
  DetectionFilter,
  FlowMatch,
  FlowbitOp,
  HeaderMatch,
  PayloadItem,
  RuleMeta,
  StreamSizeMatch,
  Threshold,
} from '../ir.ts';
import type { ProtoInfo } from '../protocols.ts';
import type { ValueCtx } from '../syntax/values.ts';

export type ValueKind = 'none' | 'required' | 'optional';

interface Base<V> {
  readonly name: string;
  /** Other spellings with the same meaning (e.g. `dns_query` for `dns.query`). */
  readonly aliases?: readonly string[];
  readonly description: string;
  /** Whether `name:value` or `name` is the syntax. */
  readonly value: ValueKind;
  /** The value may start with `!` (content:!"x", dsize:!0); otherwise that is E_NEGATION_NOT_ALLOWED. */
  readonly negatable?: boolean;
  parse(v: ValueCtx): V | undefined;
}

/** What validate/lower hooks see of the rule around an option. */
export interface KeywordCtx {
  readonly report: Reporter;
  readonly proto: ProtoInfo;
  /** The option's name and value positions. */
  readonly nameSpan: Span;
  readonly valueSpan: Span;
  readonly optionSpan: Span;
}

/** The rule-level parts of the IR under construction. */
export interface RuleDraft {
  meta: Partial<RuleMeta> & { references: RuleMeta['references']; metadata: RuleMeta['metadata'] };
  header: HeaderMatch;
  flow?: FlowMatch;
  flowbits: FlowbitOp[];
  threshold?: Threshold;
  detectionFilter?: DetectionFilter;
  streamSize: StreamSizeMatch[];
  noalert: boolean;
}

/** A keyword that sets something on the rule as a whole (meta, header fields, flow, thresholds). */
export interface RuleKeyword<V> extends Base<V> {
  readonly role: 'rule';
  /** May appear only once per rule (E_DUPLICATE_OPTION otherwise). */
  readonly once?: boolean;
  /** Names a DPI reason: the rule needs the DPI worker when this keyword is present. */
  readonly needsDpi?: boolean;
  /** Header keywords that only make sense for some IP protocols (flags → tcp). */
  readonly ipProtos?: readonly number[];
  validate?(v: V, ctx: KeywordCtx): void;
  lower(v: V, rule: RuleDraft): void;
}

/** A payload match (content, pcre, byte_test ...): an item in a buffer. */
export interface PayloadKeyword<V> extends Base<V> {
  readonly role: 'payload';
  /** A buffer the value itself selects (uricontent, pcre's /U flag, urilen); else the current one. */
  ownBuffer?(v: V): BufferName | undefined;
  /** Relative items follow the previous match in their buffer. */
  isRelative(v: V): boolean;
  /** Contents get modifiers attached; other items do not. */
  readonly isContent?: boolean;
  /** Whether the item can be the anchor of a following relative item (isdataat and length cannot). */
  readonly anchors?: boolean;
  /** Only valid after a sticky buffer (bsize). */
  readonly requiresSticky?: boolean;
  /** Its own buffer does not clash with an active sticky buffer (urilen always measures the URI). */
  readonly ignoresSticky?: boolean;
  validate?(v: V, ctx: KeywordCtx): void;
  lower(v: V): PayloadItem;
}

/** A content modifier: applies to the content before it. */
export interface ModifierKeyword<V> extends Base<V> {
  readonly role: 'modifier';
  /** Which kind of constraint it is, for the conflict checks. */
  readonly class: 'absolute' | 'relative' | 'startswith' | 'other';
  lower(v: V, content: ContentMatch): void;
}

/** A sticky buffer: payload keywords after it inspect this buffer (pkt_data resets to the payload). */
export interface StickyKeyword extends Base<null> {
  readonly role: 'sticky';
  readonly buffer: BufferName;
}

/** A legacy buffer modifier (`content:"x"; http_uri;`): moves the content before it into the buffer. */
export interface LegacyBufferKeyword extends Base<null> {
  readonly role: 'legacy';
  readonly buffer: BufferName;
}

/** A Suricata keyword fwctl recognizes but cannot evaluate yet: the rule is skipped. */
export interface UnsupportedKeyword {
  readonly role: 'unsupported';
  readonly name: string;
  readonly description: string;
}

export type KeywordDef =
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  | RuleKeyword<any>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  | PayloadKeyword<any>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  | ModifierKeyword<any>
  | StickyKeyword
  | LegacyBufferKeyword
  | UnsupportedKeyword;

/** Typed constructors, so each keyword file keeps its value type. */
export const ruleKeyword = <V>(k: RuleKeyword<V>): RuleKeyword<V> => k;
export const payloadKeyword = <V>(k: PayloadKeyword<V>): PayloadKeyword<V> => k;
export const modifierKeyword = <V>(k: ModifierKeyword<V>): ModifierKeyword<V> => k;

export function sticky(name: string, buffer: BufferName, description: string, aliases: string[] = []): StickyKeyword {
  return { role: 'sticky', name, buffer, description, aliases, value: 'none', parse: () => null };
}

export function legacy(name: string, buffer: BufferName): LegacyBufferKeyword {
  return {
    role: 'legacy',
    name,
    buffer,
    description: `legacy content modifier: the preceding content inspects ${buffer}`,
    value: 'none',
    parse: () => null,
  };
}
