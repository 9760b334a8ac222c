// The IR: what the rule front half hands to the back ends (the XDP classifier and the DPI worker).
// Everything here is resolved and normalized: no variables, no negation left in addresses or ports,
// content bytes decoded, modifiers attached to their content, legacy modifier forms mapped onto the
// same buffers as sticky buffers. Objects that are equal by value are often the same object
// (addresses, ports, protocol, flow), so a back end can dedupe by identity.

/** Suricata's actions; the reject variants send a RST / ICMP unreachable to one or both sides. */
export type Action = 'alert' | 'pass' | 'drop' | 'reject' | 'rejectsrc' | 'rejectdst' | 'rejectboth';

/** One CIDR block. `addr` is canonical text (dotted quad, or RFC 5952 IPv6), host bits zero. */
export interface Cidr {
  addr: string;
  prefix: number;
}

/**
 * A resolved address set: the exact set of addresses as sorted, disjoint, maximal CIDR blocks per
 * family (what an LPM trie wants). `any` is true when the set is every IPv4 and IPv6 address.
 */
export interface AddressSet {
  any: boolean;
  v4: Cidr[];
  v6: Cidr[];
}

/** A resolved port set: sorted, disjoint, non-adjacent inclusive ranges. `any` = [[0, 65535]]. */
export interface PortSet {
  any: boolean;
  ranges: Array<[number, number]>;
}

export type AppProto = 'http' | 'dns' | 'tls';

export interface Protocol {
  /** As written in the header, lowercased (tcp, tcp-pkt, http, icmp, ...). */
  name: string;
  /** IP protocol numbers the rule applies to; null means every IP protocol (`ip`). */
  ipProto: number[] | null;
  /** ipv4/ipv6 restrict the address family (`ipv4`, `ip6` headers). */
  family: 'any' | 'ipv4' | 'ipv6';
  /** tcp-pkt matches packets only, tcp-stream the reassembled stream only. */
  tcpMode: 'any' | 'pkt' | 'stream';
}

/**
 * An unsigned comparison as Suricata's uint keywords write it. `range` is exclusive (a < x < b),
 * `notrange` its complement; `mask` is (x & a) == b, `notmask` its negation.
 */
export interface UintMatch {
  mode: 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte' | 'range' | 'notrange' | 'mask' | 'notmask';
  a: number;
  b?: number;
}

/** TCP flag bits as in the TCP header byte (FIN 0x01 ... CWR 0x80). */
export const TCP_FLAG_BITS = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10, U: 0x20, E: 0x40, C: 0x80 } as const;

export interface TcpFlagsMatch {
  /** exact: the (unmasked) flags equal `flags`; all: `flags` set, others may be; any: one of `flags` set; not: not all of `flags` set (Suricata's detect-tcpflags.c: `(f & flags) != flags`). */
  mode: 'exact' | 'all' | 'any' | 'not';
  flags: number;
  /** Bits ignored before comparing (the `,mask` part). */
  ignore: number;
}

/** IPv4 fragment bits as in the frag_off field: R 0x8000, D 0x4000, M 0x2000. */
export const FRAG_BITS = { R: 0x8000, D: 0x4000, M: 0x2000 } as const;

export interface FragbitsMatch {
  mode: 'exact' | 'all' | 'any' | 'not';
  bits: number;
}

/** Everything decidable from one packet's headers: the XDP classifier's half of a rule. */
export interface HeaderMatch {
  flags?: TcpFlagsMatch;
  fragbits?: FragbitsMatch;
  itype?: UintMatch;
  icode?: UintMatch;
  icmpId?: number;
  icmpSeq?: number;
  ttl?: UintMatch;
  /** Payload size of the packet (Suricata's dsize). */
  dsize?: UintMatch;
  /** All must hold (Suricata allows several ip_proto options, e.g. !6 and !17). */
  ipProto?: Array<{ mode: 'eq' | 'ne' | 'lt' | 'gt'; value: number }>;
  sameip?: boolean;
  /** IPv4 option that must be present (rr, eol, nop, ts, sec, esec, lsrr, lsrre, ssrr, satid, any). */
  ipopts?: string;
}

export interface FlowMatch {
  direction?: 'to_server' | 'to_client';
  state?: 'established' | 'not_established' | 'stateless';
  stream?: 'only' | 'no';
  frag?: 'only' | 'no';
}

export interface FlowbitOp {
  op: 'set' | 'unset' | 'toggle' | 'isset' | 'isnotset';
  /** isset/isnotset with several names: true if any name satisfies it (Suricata's `a|b`). set/unset/toggle apply to each. */
  names: string[];
}

export type Track = 'by_src' | 'by_dst' | 'by_rule' | 'by_both' | 'by_flow';

export interface Threshold {
  type: 'threshold' | 'limit' | 'both' | 'backoff';
  track: Track;
  count: number;
  seconds?: number;
  multiplier?: number;
}

export interface DetectionFilter {
  track: Track;
  count: number;
  seconds: number;
}

export interface StreamSizeMatch {
  side: 'server' | 'client' | 'both' | 'either';
  op: '<' | '>' | '=' | '!=' | '<=' | '>=';
  value: number;
}

/**
 * The buffers a payload match can inspect. `payload` is the packet payload, or the reassembled
 * stream for tcp rules (Suricata's pmatch list); the others are app-layer buffers filled by the DPI
 * worker's parsers. Legacy modifier forms map here: `content:"x"; http_uri;` → http.uri.
 */
export const BUFFERS = {
  payload: { app: null, dir: 'both' },
  'http.uri': { app: 'http', dir: 'to_server' },
  'http.uri.raw': { app: 'http', dir: 'to_server' },
  'http.method': { app: 'http', dir: 'to_server' },
  'http.host': { app: 'http', dir: 'to_server' },
  'http.host.raw': { app: 'http', dir: 'to_server' },
  'http.user_agent': { app: 'http', dir: 'to_server' },
  'http.request_line': { app: 'http', dir: 'to_server' },
  'http.request_body': { app: 'http', dir: 'to_server' },
  'http.referer': { app: 'http', dir: 'to_server' },
  'http.accept': { app: 'http', dir: 'to_server' },
  'http.accept_enc': { app: 'http', dir: 'to_server' },
  'http.accept_lang': { app: 'http', dir: 'to_server' },
  'http.header': { app: 'http', dir: 'both' },
  'http.header.raw': { app: 'http', dir: 'both' },
  'http.header_names': { app: 'http', dir: 'both' },
  'http.cookie': { app: 'http', dir: 'both' },
  'http.content_type': { app: 'http', dir: 'both' },
  'http.content_len': { app: 'http', dir: 'both' },
  'http.connection': { app: 'http', dir: 'both' },
  'http.protocol': { app: 'http', dir: 'both' },
  'http.start': { app: 'http', dir: 'both' },
  'http.stat_code': { app: 'http', dir: 'to_client' },
  'http.stat_msg': { app: 'http', dir: 'to_client' },
  'http.response_line': { app: 'http', dir: 'to_client' },
  'http.response_body': { app: 'http', dir: 'to_client' },
  'http.server': { app: 'http', dir: 'to_client' },
  'http.location': { app: 'http', dir: 'to_client' },
  'file.data': { app: 'http', dir: 'both' },
  'dns.query': { app: 'dns', dir: 'to_server' },
  'tls.sni': { app: 'tls', dir: 'to_server' },
  'tls.cert_subject': { app: 'tls', dir: 'to_client' },
  'tls.cert_issuer': { app: 'tls', dir: 'to_client' },
  'tls.cert_serial': { app: 'tls', dir: 'to_client' },
  'tls.cert_fingerprint': { app: 'tls', dir: 'to_client' },
  'tls.certs': { app: 'tls', dir: 'to_client' },
} as const satisfies Record<string, { app: AppProto | null; dir: 'to_server' | 'to_client' | 'both' }>;

export type BufferName = keyof typeof BUFFERS;

export interface ContentMatch {
  kind: 'content';
  /** The decoded bytes (|hex| and escapes resolved). */
  bytes: Uint8Array;
  negated: boolean;
  nocase: boolean;
  /** Absolute window: the match starts at or after `offset` and ends within `offset + depth`. */
  offset?: number;
  depth?: number;
  /** Relative to the end of the previous match in the same buffer (Suricata's distance/within). */
  distance?: number;
  within?: number;
  /** The match must end at the end of the buffer. (startswith is lowered to offset 0, depth = length.) */
  endsWith: boolean;
  fastPattern?: { only: boolean; chop?: { offset: number; length: number } };
}

export interface PcreMatch {
  kind: 'pcre';
  /** The regex source as written between the slashes (PCRE syntax). */
  source: string;
  /** PCRE compile options. */
  caseless: boolean;
  dotall: boolean;
  multiline: boolean;
  extended: boolean;
  anchored: boolean;
  dollarEndOnly: boolean;
  ungreedy: boolean;
  negated: boolean;
  /** Starts at the end of the previous match in the buffer (R flag). */
  relative: boolean;
}

export interface ByteTestMatch {
  kind: 'byte_test';
  bytes: number;
  op: '<' | '>' | '=' | '<=' | '>=' | '&' | '^';
  negated: boolean;
  value: bigint;
  offset: number;
  relative: boolean;
  endian: 'big' | 'little';
  /** Read the bytes as text in this base. */
  string?: 'hex' | 'dec' | 'oct';
  dce: boolean;
  bitmask?: number;
}

export interface ByteJumpMatch {
  kind: 'byte_jump';
  bytes: number;
  offset: number;
  relative: boolean;
  multiplier: number;
  endian: 'big' | 'little';
  string?: 'hex' | 'dec' | 'oct';
  align: boolean;
  from: 'current' | 'beginning' | 'end';
  postOffset: number;
  dce: boolean;
  bitmask?: number;
}

export interface IsDataAtMatch {
  kind: 'isdataat';
  offset: number;
  relative: boolean;
  negated: boolean;
}

/** A condition on the buffer's length (bsize, urilen). */
export interface LengthMatch {
  kind: 'length';
  cond: UintMatch;
}

export type PayloadItem = ContentMatch | PcreMatch | ByteTestMatch | ByteJumpMatch | IsDataAtMatch | LengthMatch;

/** The matches on one buffer, in rule order (relative items refer to the item before them). */
export interface BufferMatch {
  buffer: BufferName;
  items: PayloadItem[];
}

export interface RuleMeta {
  sid: number;
  gid: number;
  rev: number;
  msg: string;
  classtype?: string;
  /** Explicit `priority`, else the classtype's, else 3. */
  priority: number;
  references: Array<{ system: string; id: string }>;
  metadata: Array<[string, string]>;
  target?: 'src_ip' | 'dest_ip';
}

export interface Rule {
  /** Index in RulesetResult.rules. */
  id: number;
  action: Action;
  /** true for `noalert` / `flowbits:noalert`: the rule acts but raises no alert. */
  noalert: boolean;
  protocol: Protocol;
  /** The application protocol, from the header (http, dns, tls) or implied by its buffers. */
  app: AppProto | null;
  src: AddressSet;
  srcPorts: PortSet;
  /** `<>` matches both directions. */
  direction: '->' | '<>';
  dst: AddressSet;
  dstPorts: PortSet;
  meta: RuleMeta;
  header: HeaderMatch;
  flow?: FlowMatch;
  flowbits: FlowbitOp[];
  threshold?: Threshold;
  detectionFilter?: DetectionFilter;
  /** All must hold. */
  streamSize: StreamSizeMatch[];
  payload: BufferMatch[];
  /** True when the XDP classifier cannot decide the rule alone; `dpiReasons` names the keywords why. */
  needsDpi: boolean;
  dpiReasons: string[];
  source: { file: string; line: number; text: string };
}
