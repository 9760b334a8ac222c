// Golden diagnostics: each case compiles a small rule file and lists its diagnostics as
// `CODE line:col+length ~suggestion`. rules-diagnostics.test.ts runs them; rules-catalogue.test.ts
// checks that together they produce every code of src/errors.ts.
import type { CompileOptions } from '../../src/rules/index.ts';

export interface DiagCase {
  name: string;
  text: string;
  opts?: CompileOptions;
  expect: string[];
}

export const DIAG_CASES: DiagCase[] = [
  {
    name: 'no option list',
    text: 'alert tcp any any -> any any',
    expect: ['E_MISSING_OPTIONS 1:29+0'],
  },
  {
    name: 'option list not closed',
    text: 'alert tcp any any -> any any (msg:"x"; sid:1;',
    expect: ['E_UNTERMINATED_RULE 1:46+0'],
  },
  {
    name: 'file ends inside a continued rule',
    text: 'alert tcp any any -> any any (msg:"x"; \\\n sid:1; \\',
    expect: ['E_UNTERMINATED_RULE 2:8+0'],
  },
  {
    name: 'text after the rule',
    text: 'alert tcp any any -> any any (sid:1;) # trailing',
    expect: ['E_TRAILING_TEXT 1:39+10'],
  },
  {
    name: 'last option without ;',
    text: 'alert tcp any any -> any any (msg:"x"; sid:1)',
    expect: ['E_OPTION_SYNTAX 1:40+5'],
  },
  {
    name: 'option without a name',
    text: 'alert tcp any any -> any any (:1; sid:1;)',
    expect: ['E_OPTION_SYNTAX 1:31+3'],
  },
  {
    name: 'too few header fields',
    text: 'alert tcp any any -> any (sid:1;)',
    expect: ['E_HEADER_FIELDS 1:1+24'],
  },
  {
    name: 'too many header fields',
    text: 'alert tcp any any -> any any any (sid:1;)',
    expect: ['E_HEADER_FIELDS 1:30+3'],
  },
  {
    name: 'misspelled action',
    text: 'alrt tcp any any -> any any (sid:1;)',
    expect: ['E_UNKNOWN_ACTION 1:1+4 ~alert'],
  },
  {
    name: 'misspelled protocol',
    text: 'alert tpc any any -> any any (sid:1;)',
    expect: ['E_UNKNOWN_PROTOCOL 1:7+3 ~tcp'],
  },
  {
    name: 'backwards direction',
    text: 'alert tcp any any <- any any (sid:1;)',
    expect: ['E_BAD_DIRECTION 1:19+2 ~->'],
  },
  {
    name: 'bad IPv4 octet',
    text: 'alert tcp 10.0.0.256 any -> any any (sid:1;)',
    expect: ['E_BAD_ADDRESS 1:11+10'],
  },
  {
    name: 'bad prefix',
    text: 'alert tcp any any -> 2001:db8::/129 any (sid:1;)',
    expect: ['E_BAD_ADDRESS 1:22+14'],
  },
  {
    name: 'unclosed address list',
    text: 'alert tcp [10.0.0.0/8,192.168.0.1 any -> any any (sid:1;)',
    expect: ['E_BAD_ADDRESS 1:11+1'],
  },
  {
    name: 'port out of range',
    text: 'alert tcp any 70000 -> any any (sid:1;)',
    expect: ['E_BAD_PORT 1:15+5'],
  },
  {
    name: 'backwards port range',
    text: 'alert tcp any any -> any 100:50 (sid:1;)',
    expect: ['E_BAD_PORT 1:26+6'],
  },
  {
    name: 'misspelled keyword',
    text: 'alert tcp any any -> any any (msg:"x"; contnet:"abc"; sid:1;)',
    expect: ['E_UNKNOWN_KEYWORD 1:40+7 ~content'],
  },
  {
    name: 'keyword needs a value',
    text: 'alert tcp any any -> any any (content; sid:1;)',
    expect: ['E_MISSING_VALUE 1:31+7'],
  },
  {
    name: 'keyword takes no value',
    text: 'alert tcp any any -> any any (content:"a"; nocase:1; sid:1;)',
    expect: ['E_UNEXPECTED_VALUE 1:51+1'],
  },
  {
    name: 'bad number',
    text: 'alert tcp any any -> any any (content:"a"; depth:ten; sid:1;)',
    expect: ['E_BAD_VALUE 1:50+3'],
  },
  {
    name: 'sid zero',
    text: 'alert tcp any any -> any any (sid:0;)',
    expect: ['E_BAD_VALUE 1:35+1'],
  },
  {
    name: 'unknown flow option',
    text: 'alert tcp any any -> any any (flow:to_srever; sid:1;)',
    expect: ['E_BAD_VALUE 1:36+9'],
  },
  {
    name: 'content without quotes',
    text: 'alert tcp any any -> any any (content:abc; sid:1;)',
    expect: ['E_QUOTES 1:39+3'],
  },
  {
    name: 'unclosed quote',
    text: 'alert tcp any any -> any any (msg:"abc; sid:1;)',
    expect: ['E_QUOTES 1:35+1'],
  },
  {
    name: 'bad escape',
    text: 'alert tcp any any -> any any (content:"a\\x41"; sid:1;)',
    expect: ['E_BAD_ESCAPE 1:41+2'],
  },
  {
    name: 'bad hex digit',
    text: 'alert tcp any any -> any any (content:"|4G 41|"; sid:1;)',
    expect: ['E_BAD_HEX 1:42+1'],
  },
  {
    name: 'unclosed hex block',
    text: 'alert tcp any any -> any any (content:"ab|41"; sid:1;)',
    expect: ['E_BAD_HEX 1:42+1'],
  },
  {
    name: 'odd hex digits',
    text: 'alert tcp any any -> any any (content:"|414|"; sid:1;)',
    expect: ['E_BAD_HEX 1:43+1'],
  },
  {
    name: 'negated depth',
    text: 'alert tcp any any -> any any (content:"a"; depth:!5; sid:1;)',
    expect: ['E_NEGATION_NOT_ALLOWED 1:50+1'],
  },
  {
    name: 'pcre without slashes',
    text: 'alert tcp any any -> any any (pcre:"foo"; sid:1;)',
    expect: ['E_PCRE_SYNTAX 1:37+3'],
  },
  {
    name: 'unknown pcre flag',
    text: 'alert tcp any any -> any any (pcre:"/foo/iq"; sid:1;)',
    expect: ['E_PCRE_SYNTAX 1:43+1'],
  },
  {
    name: 'pcre does not compile',
    text: 'alert tcp any any -> any any (pcre:"/(foo/"; sid:1;)',
    expect: ['E_PCRE_COMPILE 1:38+4'],
  },
  {
    name: 'pcre nothing to repeat',
    text: 'alert tcp any any -> any any (pcre:"/*a/"; sid:1;)',
    expect: ['E_PCRE_COMPILE 1:38+2'],
  },
  {
    name: 'undefined variable',
    text: 'alert tcp $HOMENET any -> any any (sid:1;)',
    expect: ['E_UNDEFINED_VAR 1:11+8 ~$HOME_NET'],
  },
  {
    name: 'port variable as address',
    text: 'alert tcp $HTTP_PORTS any -> any any (sid:1;)',
    expect: ['E_UNDEFINED_VAR 1:11+11'],
  },
  {
    name: 'variable cycle',
    text: 'alert tcp $A any -> any any (sid:1;)',
    opts: {vars:{addressGroups:{A:'[$B]',B:'!$A'}}},
    expect: ['E_VAR_CYCLE 1:11+2'],
  },
  {
    name: 'bad variable value',
    text: 'alert tcp any any -> any $WEB_PORTS (sid:1;)',
    opts: {vars:{portGroups:{WEB_PORTS:'[80,eighty]'}}},
    expect: ['E_BAD_VAR_VALUE 1:26+10'],
  },
  {
    name: '!any address',
    text: 'alert tcp !any any -> any any (sid:1;)',
    expect: ['E_EMPTY_ADDRESS 1:11+4'],
  },
  {
    name: 'address list negating itself',
    text: 'alert tcp [10.0.0.1,!10.0.0.1] any -> any any (sid:1;)',
    expect: ['E_EMPTY_ADDRESS 1:11+20'],
  },
  {
    name: 'port list negating everything',
    text: 'alert tcp any any -> any [!0:1023,!1024:] (sid:1;)',
    expect: ['E_EMPTY_PORT 1:26+16'],
  },
  {
    name: 'missing sid',
    text: 'alert tcp any any -> any any (msg:"no sid";)',
    expect: ['E_MISSING_SID 1:1+28'],
  },
  {
    name: 'sid twice',
    text: 'alert tcp any any -> any any (sid:1; sid:2;)',
    expect: ['E_DUPLICATE_OPTION 1:38+6'],
  },
  {
    name: 'modifier before any content',
    text: 'alert tcp any any -> any any (nocase; content:"a"; sid:1;)',
    expect: ['E_MODIFIER_WITHOUT_CONTENT 1:31+6'],
  },
  {
    name: 'legacy modifier before any content',
    text: 'alert tcp any any -> any any (http_uri; sid:1;)',
    expect: ['E_MODIFIER_WITHOUT_CONTENT 1:31+8'],
  },
  {
    name: 'relative pcre without a match before it',
    text: 'alert tcp any any -> any any (pcre:"/a/R"; sid:1;)',
    expect: ['E_MODIFIER_WITHOUT_CONTENT 1:36+6'],
  },
  {
    name: 'depth with distance',
    text: 'alert tcp any any -> any any (content:"a"; content:"b"; depth:5; distance:1; sid:1;)',
    expect: ['E_MODIFIER_CONFLICT 1:66+8'],
  },
  {
    name: 'startswith with offset',
    text: 'alert tcp any any -> any any (content:"a"; startswith; offset:2; sid:1;)',
    expect: ['E_MODIFIER_CONFLICT 1:56+6'],
  },
  {
    name: 'nocase twice',
    text: 'alert tcp any any -> any any (content:"a"; nocase; nocase; sid:1;)',
    expect: ['E_MODIFIER_CONFLICT 1:52+6'],
  },
  {
    name: 'fast_pattern:only with a relative content after it',
    text: 'alert tcp any any -> any any (content:"abc"; fast_pattern:only; content:"d"; distance:0; sid:1;)',
    expect: ['E_MODIFIER_CONFLICT 1:46+18'],
  },
  {
    name: 'within shorter than the content',
    text: 'alert tcp any any -> any any (content:"a"; content:"abcdef"; distance:0; within:3; sid:1;)',
    expect: ['E_UNSATISFIABLE 1:81+1'],
  },
  {
    name: 'depth shorter than the content',
    text: 'alert tcp any any -> any any (content:"abcdef"; depth:3; sid:1;)',
    expect: ['E_UNSATISFIABLE 1:55+1'],
  },
  {
    name: 'dsize smaller than a content',
    text: 'alert tcp any any -> any any (dsize:<4; content:"abcdef"; sid:1;)',
    expect: ['E_UNSATISFIABLE 1:37+2'],
  },
  {
    name: 'bsize smaller than a content',
    text: 'alert dns any any -> any any (dns.query; content:"example.com"; bsize:5; sid:1;)',
    expect: ['E_UNSATISFIABLE 1:71+1'],
  },
  {
    name: 'isset and isnotset',
    text: 'alert tcp any any -> any any (flowbits:set,x; flowbits:isset,x; flowbits:isnotset,x; sid:1;)',
    expect: ['E_UNSATISFIABLE 1:74+10'],
  },
  {
    name: 'http buffer on udp',
    text: 'alert udp any any -> any any (http.uri; content:"/a"; sid:1;)',
    expect: ['E_BUFFER_PROTOCOL 1:31+8'],
  },
  {
    name: 'tls buffer on a dns rule',
    text: 'alert dns any any -> any any (tls.sni; content:"a"; sid:1;)',
    expect: ['E_BUFFER_PROTOCOL 1:31+7'],
  },
  {
    name: 'http and dns buffers in one rule',
    text: 'alert tcp any any -> any any (http.uri; content:"/a"; dns.query; content:"b"; sid:1;)',
    expect: ['E_BUFFER_CONFLICT 1:55+9'],
  },
  {
    name: 'legacy modifier inside a sticky buffer',
    text: 'alert http any any -> any any (http.uri; content:"/a"; http_header; sid:1;)',
    expect: ['E_BUFFER_CONFLICT 1:56+11'],
  },
  {
    name: 'two legacy buffers on one content',
    text: 'alert tcp any any -> any any (content:"a"; http_uri; http_header; sid:1;)',
    expect: ['E_BUFFER_CONFLICT 1:54+11'],
  },
  {
    name: 'response buffer on a to_server rule',
    text: 'alert http any any -> any any (flow:established,to_server; http.stat_code; content:"200"; sid:1;)',
    expect: ['E_BUFFER_CONFLICT 1:60+14'],
  },
  {
    name: 'pcre buffer flag inside a sticky buffer',
    text: 'alert http any any -> any any (http.header; content:"a"; pcre:"/b/U"; sid:1;)',
    expect: ['E_BUFFER_CONFLICT 1:58+12'],
  },
  {
    name: 'bsize without a sticky buffer',
    text: 'alert tcp any any -> any any (content:"a"; bsize:5; sid:1;)',
    expect: ['E_BUFFER_CONFLICT 1:44+8'],
  },
  {
    name: 'empty sticky buffer',
    text: 'alert http any any -> any any (http.uri; http.header; content:"a"; sid:1;)',
    expect: ['E_EMPTY_BUFFER 1:32+8'],
  },
  {
    name: 'to_server and to_client',
    text: 'alert tcp any any -> any any (flow:to_server,to_client; sid:1;)',
    expect: ['E_FLOW_CONFLICT 1:46+9'],
  },
  {
    name: 'established twice',
    text: 'alert tcp any any -> any any (flow:established,established; sid:1;)',
    expect: ['E_FLOW_CONFLICT 1:48+11'],
  },
  {
    name: 'threshold and detection_filter',
    text: 'alert tcp any any -> any any (threshold:type limit,track by_src,count 1,seconds 60; detection_filter:track by_src,count 5,seconds 60; sid:1;)',
    expect: ['E_OPTION_CONFLICT 1:85+49'],
  },
  {
    name: 'two fast_patterns',
    text: 'alert tcp any any -> any any (content:"a"; fast_pattern; content:"b"; fast_pattern; sid:1;)',
    expect: ['E_OPTION_CONFLICT 1:71+12'],
  },
  {
    name: 'ports on icmp',
    text: 'alert icmp any 80 -> any any (itype:8; sid:1;)',
    expect: ['E_PORTS_ON_PORTLESS 1:16+2'],
  },
  {
    name: 'flags on udp',
    text: 'alert udp any any -> any any (flags:S; sid:1;)',
    expect: ['W_KEYWORD_PROTOCOL 1:31+5'],
  },
  {
    name: 'itype on tcp',
    text: 'alert tcp any any -> any any (itype:8; sid:1;)',
    expect: ['W_KEYWORD_PROTOCOL 1:31+5'],
  },
  {
    name: 'misspelled classtype',
    text: 'alert tcp any any -> any any (classtype:trojan-activty; sid:1;)',
    expect: ['W_UNKNOWN_CLASSTYPE 1:41+14 ~trojan-activity'],
  },
  {
    name: 'duplicate sid across rules',
    text: 'alert tcp any any -> any any (sid:1;)\nalert udp any any -> any any (sid:1;)',
    expect: ['E_DUPLICATE_SID 2:35+1'],
  },
  {
    name: 'same sid, other gid',
    text: 'alert tcp any any -> any any (sid:1;)\nalert udp any any -> any any (sid:1; gid:2;)',
    expect: [],
  },
  {
    name: 'flowbit checked but never set',
    text: 'alert tcp any any -> any any (flowbits:isset,never; sid:1;)',
    expect: ['W_FLOWBIT_NEVER_SET 1:40+11'],
  },
  {
    name: 'unsupported keyword',
    text: 'alert tls any any -> any any (ja3.hash; content:"e7d705a3286e19ea42f587b344ee6865"; sid:1;)',
    expect: ['W_UNSUPPORTED_KEYWORD 1:31+8'],
  },
  {
    name: 'unsupported keyword, strict',
    text: 'alert tls any any -> any any (ja3.hash; content:"e7d705a3286e19ea42f587b344ee6865"; sid:1;)',
    opts: {strict:true},
    expect: ['E_UNSUPPORTED_KEYWORD 1:31+8'],
  },
  {
    name: 'unsupported protocol',
    text: 'alert smtp any any -> any any (sid:1;)',
    expect: ['W_UNSUPPORTED_PROTOCOL 1:7+4'],
  },
  {
    name: 'unsupported protocol, strict',
    text: 'alert smtp any any -> any any (sid:1;)',
    opts: {strict:true},
    expect: ['E_UNSUPPORTED_PROTOCOL 1:7+4'],
  },
  {
    name: 'unsupported action',
    text: 'config dns any any -> any any (sid:1;)',
    expect: ['W_UNSUPPORTED_ACTION 1:1+6'],
  },
  {
    name: 'unsupported action, strict',
    text: 'config dns any any -> any any (sid:1;)',
    opts: {strict:true},
    expect: ['E_UNSUPPORTED_ACTION 1:1+6'],
  },
  {
    name: 'byte_extract variable',
    text: 'alert tcp any any -> any any (content:"a"; byte_extract:2,0,len,relative; content:"b"; distance:len; sid:1;)',
    expect: ['W_UNSUPPORTED_KEYWORD 1:44+12', 'W_UNSUPPORTED_KEYWORD 1:97+3'],
  },
  {
    name: 'every error of a rule is reported',
    text: 'alrt tcp any any -> any 99999 (contnet:"a"; depth:x; nocase; sid:1;)',
    expect: ['E_UNKNOWN_ACTION 1:1+4 ~alert', 'E_BAD_PORT 1:25+5', 'E_UNKNOWN_KEYWORD 1:32+7 ~content', 'E_BAD_VALUE 1:51+1'],
  },
  {
    name: 'position on a continuation line',
    text: 'alert tcp any any -> any any ( \\\n  msg:"x"; \\\n  contnet:"a"; sid:1;)',
    expect: ['E_UNKNOWN_KEYWORD 3:3+7 ~content'],
  },
  // threshold.config (opts.thresholdConfig): positions are in the threshold.config file
  {
    name: 'threshold.config: unknown directive',
    text: 'alert tcp any any -> any any (sid:2;)',
    opts: { thresholdConfig: { file: 'threshold.config', text: 'thresold gen_id 1, sig_id 2' } },
    expect: ['E_THRESHOLD_CONFIG_SYNTAX 1:1+8 ~threshold'],
  },
  {
    name: 'threshold.config: bad type',
    text: 'alert tcp any any -> any any (sid:2;)',
    opts: { thresholdConfig: { file: 'threshold.config', text: 'threshold gen_id 1, sig_id 2, type lmit, track by_src, count 1, seconds 5' } },
    expect: ['E_THRESHOLD_CONFIG_VALUE 1:36+4 ~limit'],
  },
  {
    name: 'threshold.config: entry for a sid no rule has',
    text: 'alert tcp any any -> any any (sid:2;)',
    opts: { thresholdConfig: { file: 'threshold.config', text: '# tuning\nsuppress gen_id 1, sig_id 9' } },
    expect: ['W_THRESHOLD_CONFIG_NO_RULE 2:1+8'],
  },
  {
    name: 'threshold.config: rate_filter changing the action',
    text: 'drop tcp any any -> any any (sid:2;)',
    opts: { thresholdConfig: { file: 'threshold.config', text: 'rate_filter gen_id 1, sig_id 2, track by_rule, count 1, seconds 60, new_action alert, timeout 10' } },
    expect: ['W_UNSUPPORTED_THRESHOLD_CONFIG 1:1+11'],
  },
  {
    name: 'threshold.config: rate_filter changing the action, strict',
    text: 'drop tcp any any -> any any (sid:2;)',
    opts: { strict: true, thresholdConfig: { file: 'threshold.config', text: 'rate_filter gen_id 1, sig_id 2, track by_rule, count 1, seconds 60, new_action alert, timeout 10' } },
    expect: ['E_UNSUPPORTED_THRESHOLD_CONFIG 1:1+11'],
  },
];
