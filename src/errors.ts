// The one catalogue of rule diagnostic codes (fastify's errors.js). docs/errors.md lists exactly
// this set, and test/rules-catalogue.test.ts keeps the two equal and checks that every code is
// produced by at least one golden test. A code's severity never changes: where --strict turns a
// warning into an error, it is reported under its E_ twin (W_UNSUPPORTED_KEYWORD → E_UNSUPPORTED_KEYWORD).

export type Severity = 'error' | 'warning' | 'info';

export interface CodeInfo {
  severity: Severity;
  title: string;
  description: string;
}

function e(title: string, description: string): CodeInfo {
  return { severity: 'error', title, description };
}
function w(title: string, description: string): CodeInfo {
  return { severity: 'warning', title, description };
}

export const CODES = {
  // --- lexing: the shape of a rule ---------------------------------------------------------------
  E_MISSING_OPTIONS: e('rule has no options', 'A rule needs an option list in parentheses after its header: `alert tcp any any -> any any (sid:1;)`.'),
  E_UNTERMINATED_RULE: e('rule not terminated', 'The option list is not closed by `)`, or the file ends inside a rule continued with `\\`.'),
  E_TRAILING_TEXT: e('text after the rule', 'Something follows the closing `)` of the option list. Comments start a line with `#`.'),
  E_OPTION_SYNTAX: e('malformed option', 'An option is `name;` or `name:value;`. The name is missing, or the last option has no terminating `;`.'),
  // --- parsing: the header ----------------------------------------------------------------------
  E_HEADER_FIELDS: e('wrong number of header fields', 'The header is `action protocol src_addr src_port direction dst_addr dst_port`.'),
  E_UNKNOWN_ACTION: e('unknown action', 'Actions are alert, drop, reject, rejectsrc, rejectdst, rejectboth and pass.'),
  E_UNKNOWN_PROTOCOL: e('unknown protocol', 'The protocol is not one Suricata knows.'),
  E_BAD_DIRECTION: e('bad direction', 'The direction is `->` or `<>`.'),
  E_BAD_ADDRESS: e('bad address', 'An address is `any`, an IPv4/IPv6 address or CIDR, a `$VARIABLE`, a `[list]` of those, each optionally negated with `!`.'),
  E_BAD_PORT: e('bad port', 'A port is `any`, a number 0-65535, a range `a:b` (either end may be omitted), a `$VARIABLE` or a `[list]`, each optionally negated with `!`.'),
  // --- parsing: options --------------------------------------------------------------------------
  E_UNKNOWN_KEYWORD: e('unknown keyword', 'No rule keyword has this name. A close match is suggested.'),
  E_MISSING_VALUE: e('keyword needs a value', 'The keyword is written `name:value;`.'),
  E_UNEXPECTED_VALUE: e('keyword takes no value', 'The keyword is written `name;` without a value.'),
  E_BAD_VALUE: e('bad keyword value', "The keyword's value does not follow its syntax; the message says what was expected."),
  E_QUOTES: e('quoting error', 'The value must be in double quotes, or a quoted string is not closed.'),
  E_BAD_ESCAPE: e('bad escape', 'Inside a quoted value only `\\;`, `\\"`, `\\\\` and `\\:` are escapes.'),
  E_BAD_HEX: e('bad hex bytes', 'Bytes between `|` in a content are pairs of hex digits separated by optional spaces, and the `|` must be closed.'),
  E_NEGATION_NOT_ALLOWED: e('negation not allowed', 'This keyword cannot be negated with `!`.'),
  E_PCRE_SYNTAX: e('bad pcre', 'A pcre is `"/regex/flags"`; the flags are Suricata\'s (i s m x A E G R U I P Q H D M C S Y B O V W Z).'),
  E_PCRE_COMPILE: e('pcre does not compile', 'The regular expression is not valid.'),
  // --- resolving variables ----------------------------------------------------------------------
  E_UNDEFINED_VAR: e('undefined variable', 'The `$VARIABLE` is not defined by the defaults, a vars file or --var.'),
  E_VAR_CYCLE: e('variable cycle', 'A variable refers to itself through other variables.'),
  E_BAD_VAR_VALUE: e("bad variable value", "A variable's value is not a valid address or port list."),
  E_EMPTY_ADDRESS: e('address matches nothing', 'After negation the address list contains no address (for example `!any` or `[1.2.3.4,!1.2.3.4]`).'),
  E_EMPTY_PORT: e('port matches nothing', 'After negation the port list contains no port.'),
  // --- validation within a rule -----------------------------------------------------------------
  E_MISSING_SID: e('rule has no sid', 'Every rule needs `sid:N;`.'),
  E_DUPLICATE_OPTION: e('option given twice', 'This keyword may appear only once in a rule.'),
  E_MODIFIER_WITHOUT_CONTENT: e('modifier without content', 'A content modifier (nocase, depth, offset, distance, within, fast_pattern, startswith, endswith, http_uri ...) must follow a `content`.'),
  E_MODIFIER_CONFLICT: e('conflicting modifiers', 'Modifiers of one content contradict each other: an absolute one (depth, offset, startswith) with a relative one (distance, within), the same modifier twice, or fast_pattern:only with relative matching.'),
  E_UNSATISFIABLE: e('rule can never match', 'A limit is smaller than what it must contain: within or depth shorter than the content, a content longer than dsize or bsize, isset and isnotset of the same flowbit.'),
  E_BUFFER_PROTOCOL: e('buffer on the wrong protocol', "A sticky buffer or keyword of one application protocol is used in a rule whose header protocol cannot carry it (http.uri on udp, dns.query on tls)."),
  E_BUFFER_CONFLICT: e('conflicting buffers', 'Keywords of two application protocols in one rule, a legacy modifier inside a sticky buffer, a content moved to two buffers, or a buffer whose direction contradicts the flow keyword.'),
  E_EMPTY_BUFFER: e('sticky buffer without a match', 'A sticky buffer is selected but no content, pcre or other payload keyword follows it.'),
  E_FLOW_CONFLICT: e('conflicting flow options', 'The flow keyword combines options that exclude each other (to_server and to_client, established and not_established or stateless, only_stream and no_stream, only_frag and no_frag), or repeats one.'),
  E_OPTION_CONFLICT: e('conflicting keywords', 'Two keywords cannot be used in the same rule (for example threshold with detection_filter, two fast_pattern contents).'),
  E_PORTS_ON_PORTLESS: e('ports on a protocol without ports', 'The rule gives ports but its protocol (icmp, icmpv6) has none.'),
  W_KEYWORD_PROTOCOL: w('keyword cannot match this protocol', 'A header keyword tests a field the rule\'s protocol does not have (flags on udp, itype on tcp); the rule can never match.'),
  W_UNKNOWN_CLASSTYPE: w('unknown classtype', "The classtype is not in Suricata's default classification.config; the rule's priority defaults to 3."),
  // --- validation across rules ------------------------------------------------------------------
  E_DUPLICATE_SID: e('duplicate sid', 'Two rules have the same gid and sid; the later one is not loaded.'),
  W_FLOWBIT_NEVER_SET: w('flowbit never set', 'A rule checks a flowbit (isset) that no loaded rule sets, so it can never match.'),
  // --- what the engine cannot evaluate yet ------------------------------------------------------
  W_UNSUPPORTED_KEYWORD: w('unsupported keyword', 'The keyword is Suricata\'s but fwctl cannot evaluate it yet; the rule is skipped (not loaded with weaker semantics).'),
  E_UNSUPPORTED_KEYWORD: e('unsupported keyword (strict)', 'As W_UNSUPPORTED_KEYWORD, reported as an error because of --strict.'),
  W_UNSUPPORTED_PROTOCOL: w('unsupported protocol', 'The header protocol is Suricata\'s (smtp, ftp, smb, ...) but fwctl has no parser for it yet; the rule is skipped.'),
  E_UNSUPPORTED_PROTOCOL: e('unsupported protocol (strict)', 'As W_UNSUPPORTED_PROTOCOL, reported as an error because of --strict.'),
  W_UNSUPPORTED_ACTION: w('unsupported action', 'The action is Suricata\'s (config, accept) but fwctl does not implement it; the rule is skipped.'),
  E_UNSUPPORTED_ACTION: e('unsupported action (strict)', 'As W_UNSUPPORTED_ACTION, reported as an error because of --strict.'),
  // --- threshold.config (the threshold-file: threshold, event_filter, suppress, rate_filter) -------
  E_THRESHOLD_CONFIG_SYNTAX: e('malformed threshold.config line', 'A line is `threshold|event_filter|suppress|rate_filter` then comma-separated `setting value` pairs; the directive or a setting is unknown, given twice, without a value, or a required one is missing.'),
  E_THRESHOLD_CONFIG_VALUE: e('bad threshold.config value', 'A setting\'s value is not what it takes: gen_id/sig_id 0-4294967295, count/seconds/timeout 1-4294967295, type limit|threshold|both, track by_src|by_dst|by_rule|by_both|by_flow (suppress: by_src|by_dst|by_either), new_action alert|drop|pass|reject|sdrop|log.'),
  W_THRESHOLD_CONFIG_NO_RULE: w('threshold.config entry matches no rule', 'No loaded rule has the entry\'s gen_id and sig_id; the entry does nothing.'),
  W_UNSUPPORTED_THRESHOLD_CONFIG: w('unsupported threshold.config entry', 'The entry cannot be applied exactly (a rate_filter whose new_action differs from the rule\'s action, a suppress by_src/by_dst on a `<>` rule); the rules it names are skipped.'),
  E_UNSUPPORTED_THRESHOLD_CONFIG: e('unsupported threshold.config entry (strict)', 'As W_UNSUPPORTED_THRESHOLD_CONFIG, reported as an error because of --strict.'),
} as const satisfies Record<string, CodeInfo>;

export type Code = keyof typeof CODES;

export function severityOf(code: Code): Severity {
  return CODES[code].severity;
}

/** The strict twin of a warning that --strict turns into an error. */
export const STRICT_TWIN: Partial<Record<Code, Code>> = {
  W_UNSUPPORTED_KEYWORD: 'E_UNSUPPORTED_KEYWORD',
  W_UNSUPPORTED_PROTOCOL: 'E_UNSUPPORTED_PROTOCOL',
  W_UNSUPPORTED_ACTION: 'E_UNSUPPORTED_ACTION',
  W_UNSUPPORTED_THRESHOLD_CONFIG: 'E_UNSUPPORTED_THRESHOLD_CONFIG',
};
