// Writes a large ruleset of varied, realistic rules in the style of ET Open (the hand-written
// corpus in rules/corpus/ is the model) for the parser and classifier benchmarks. Deterministic:
// the same --seed and --count always give the same text. Every rule has a distinct sid.
//
//   npx tsx bench/gen-ruleset.ts [--count 30000] [--seed 1] [--out FILE] [--header-only]
//
// --header-only writes only rules that XDP can decide alone (addresses, ports, protocol, flags,
// itype/icode, ttl, dsize, ip_proto): no content, buffers or flow state.
// Without --out the rules go to stdout.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

export interface GenerateOptions {
  count: number;
  seed: number;
  headerOnly?: boolean;
  /** The first sid; rule i gets firstSid + i. */
  firstSid?: number;
}

/** mulberry32: a small, fast, seedable PRNG (the output only has to be varied and repeatable). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  private next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  hex(bytes: number): string {
    return Array.from({ length: bytes }, () => this.int(0, 255).toString(16).padStart(2, '0')).join(' ');
  }
  md5(): string {
    return Array.from({ length: 32 }, () => this.int(0, 15).toString(16)).join('');
  }
  word(): string {
    return this.pick(SYLLABLES) + this.pick(SYLLABLES);
  }
}

const SYLLABLES = ['cdn', 'api', 'sync', 'upd', 'sec', 'cloud', 'stat', 'img', 'log', 'acct', 'ver', 'port', 'file',
  'mail', 'doc', 'drv', 'share', 'trk', 'met', 'data', 'node', 'edge', 'host', 'web', 'app', 'svc', 'gate', 'panel'];
const TLDS = ['com', 'net', 'org', 'info', 'top', 'xyz', 'site', 'online', 'live', 'icu', 'biz', 'cc', 'ru', 'pw', 'club'];
const FAMILIES = ['Lumma', 'AsyncRAT', 'RedLine', 'Formbook', 'AgentTesla', 'Remcos', 'njRAT', 'QakBot', 'IcedID',
  'Emotet', 'Vidar', 'Raccoon', 'SmokeLoader', 'Cobalt Strike', 'Sliver', 'Mirai', 'Gafgyt', 'PlugX', 'Dridex', 'Ursnif'];
const CLASSTYPES = ['trojan-activity', 'bad-unknown', 'attempted-admin', 'attempted-recon', 'web-application-attack',
  'policy-violation', 'misc-activity', 'command-and-control', 'domain-c2', 'attempted-user', 'misc-attack',
  'attempted-dos', 'coin-mining', 'credential-theft', 'social-engineering', 'successful-recon-limited'];
const USER_AGENTS = ['Mozilla/4.0 (compatible|3b| MSIE 6.0|3b| Windows NT 5.1)', 'WinHttp.WinHttpRequest.5', 'curl/7.',
  'Python-urllib/3.', 'Go-http-client/1.1', 'Wget/1.2', 'Microsoft BITS/7.8', 'Dalvik/2.1.0', 'AutoIt', 'NSIS_Inetc (Mozilla)'];
const URI_PATHS = ['/gate.php', '/api/v1/bots', '/panel/handler.php', '/submit.php', '/index.php?id=', '/wp-content/plugins/',
  '/admin/upload.php', '/cgi-bin/luci', '/check.php', '/tasks', '/images/logo.gif?', '/jquery.min.js', '/update/', '/login'];
const TCP_FLAGS = ['S', 'S,12', 'SA', 'A', 'F', 'R', 'PA', 'FPU,12', '0', 'SF', '*SRF', 'S+', '!A'];

function date(r: Rng): string {
  return `${r.int(2012, 2024)}_${String(r.int(1, 12)).padStart(2, '0')}_${String(r.int(1, 28)).padStart(2, '0')}`;
}

function metadata(r: Rng): string {
  const created = date(r);
  const parts = [`created_at ${created}`];
  if (r.chance(0.5)) parts.unshift(`attack_target ${r.pick(['Client_Endpoint', 'Server', 'Web_Server', 'Networking_Equipment', 'IoT'])}`);
  if (r.chance(0.4)) parts.push(`deployment ${r.pick(['Perimeter', 'Internal', 'Datacenter'])}`);
  if (r.chance(0.4)) parts.push(`performance_impact ${r.pick(['Low', 'Moderate', 'Significant'])}`);
  if (r.chance(0.5)) parts.push(`confidence ${r.pick(['High', 'Medium', 'Low'])}`);
  if (r.chance(0.6)) parts.push(`signature_severity ${r.pick(['Major', 'Minor', 'Critical', 'Informational'])}`);
  parts.push(`updated_at ${created}`);
  if (r.chance(0.2)) parts.push('mitre_tactic_id TA0011, mitre_tactic_name Command_And_Control, mitre_technique_id T1071, mitre_technique_name Application_Layer_Protocol');
  return `metadata:${parts.join(', ')};`;
}

function domain(r: Rng): string {
  return `${r.word()}-${r.word()}${r.int(1, 99)}.${r.pick(TLDS)}`;
}

/** An address from the benchmark and documentation ranges (never someone's real host). */
function ipv4(r: Rng): string {
  switch (r.int(0, 3)) {
    case 0: return `198.51.100.${r.int(1, 254)}`;
    case 1: return `203.0.113.${r.int(1, 254)}`;
    default: return `198.${r.int(18, 19)}.${r.int(0, 255)}.${r.int(1, 254)}`;
  }
}

function cidr(r: Rng): string {
  const bits = r.pick([16, 20, 24, 28, 32]);
  const [a, b, c, d] = `198.${r.int(18, 19)}.${r.int(0, 255)}.${r.int(0, 255)}`.split('.').map(Number);
  const n = ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
  const masked = bits === 0 ? 0 : (n & (~0 << (32 - bits))) >>> 0;
  return `${masked >>> 24}.${(masked >>> 16) & 255}.${(masked >>> 8) & 255}.${masked & 255}/${bits}`;
}

function ipv6(r: Rng): string {
  return r.chance(0.5) ? `2001:2:${r.int(0, 0xffff).toString(16)}::/48` : `2001:2::${r.int(1, 0xffff).toString(16)}`;
}

function addressList(r: Rng, n: number): string {
  const xs = new Set<string>();
  while (xs.size < n) xs.add(r.chance(0.8) ? ipv4(r) : cidr(r));
  return `[${[...xs].join(',')}]`;
}

/** Header addresses: the variables ET uses, literals, lists, nested groups and negations. */
function address(r: Rng, side: 'home' | 'external'): string {
  const v = r.int(0, 19);
  if (side === 'home') {
    if (v < 12) return '$HOME_NET';
    if (v < 14) return r.pick(['$HTTP_SERVERS', '$SMTP_SERVERS', '$SQL_SERVERS', '$DNS_SERVERS', '$TELNET_SERVERS']);
    if (v < 16) return cidr(r);
    if (v < 17) return `[$HOME_NET,!${ipv4(r)}]`;
    if (v < 18) return ipv6(r);
    return 'any';
  }
  if (v < 12) return '$EXTERNAL_NET';
  if (v < 15) return 'any';
  if (v < 17) return addressList(r, r.int(2, 6));
  if (v < 18) return `![$HOME_NET,${cidr(r)}]`;
  if (v < 19) return `[[${ipv4(r)},${ipv4(r)}],${cidr(r)}]`;
  return `!${cidr(r)}`;
}

function port(r: Rng): string {
  const v = r.int(0, 19);
  if (v < 11) return 'any';
  if (v < 13) return String(r.pick([21, 22, 23, 25, 53, 80, 110, 123, 143, 443, 445, 1433, 3306, 3389, 5060, 8080]));
  if (v < 14) return '$HTTP_PORTS';
  if (v < 15) return `${r.int(1024, 4000)}:${r.int(4001, 65535)}`;
  if (v < 16) return `${r.int(1024, 49151)}:`;
  if (v < 17) return `:${r.int(1, 1023)}`;
  if (v < 18) return `[${r.int(1, 1023)},${r.int(1024, 9999)},${r.int(10000, 20000)}:${r.int(20001, 30000)}]`;
  if (v < 19) return `![${r.int(1, 1023)},${r.int(1024, 9999)}]`;
  return `!${r.int(1, 65535)}`;
}

function action(r: Rng): string {
  const v = r.int(0, 99);
  if (v < 85) return 'alert';
  if (v < 95) return 'drop';
  if (v < 98) return 'pass';
  return r.pick(['reject', 'rejectsrc', 'rejectdst', 'rejectboth']);
}

function threshold(r: Rng): string {
  if (r.chance(0.6)) return '';
  if (r.chance(0.2)) return ` detection_filter:track ${r.pick(['by_src', 'by_dst'])}, count ${r.int(2, 200)}, seconds ${r.int(1, 600)};`;
  return ` threshold:type ${r.pick(['limit', 'threshold', 'both'])}, track ${r.pick(['by_src', 'by_dst', 'by_rule', 'by_both'])}, count ${r.int(1, 100)}, seconds ${r.int(1, 3600)};`;
}

type Template = (r: Rng, sid: number) => string;

/** Rules that need payload inspection, weighted roughly as ET Open's categories are. */
const PAYLOAD_TEMPLATES: Array<[number, Template]> = [
  [14, (r, sid) => {
    const fam = r.pick(FAMILIES);
    const path = r.pick(URI_PATHS);
    const ua = r.pick(USER_AGENTS);
    const opts = [`flow:established,to_server;`, `http.method; content:"${r.pick(['GET', 'POST'])}";`,
      `http.uri; content:"${path}"; ${r.pick(['startswith;', 'endswith;', 'fast_pattern;', 'nocase;', `bsize:${path.length};`])}`];
    if (r.chance(0.3)) opts.push(`pcre:"/${path.replace(/[/.?]/g, (c) => `\\${c}`)}[a-z0-9]{${r.int(2, 8)},}/";`);
    if (r.chance(0.5)) opts.push(`http.user_agent; content:"${ua}"; startswith;`);
    if (r.chance(0.3)) opts.push(`http.header_names; content:!"Referer";`);
    if (r.chance(0.2)) opts.push(`http.request_body; content:"${r.pick(['id=', 'bot=', 'hwid=', 'data='])}"; startswith;`);
    return `${action(r)} http $HOME_NET any -> $EXTERNAL_NET any (msg:"ET MALWARE ${fam} CnC Checkin ${sid}"; ${opts.join(' ')}${threshold(r)} classtype:trojan-activity; sid:${sid}; rev:${r.int(1, 5)}; ${metadata(r)})`;
  }],
  [12, (r, sid) => {
    const d = domain(r);
    const m = r.pick([`bsize:${d.length};`, 'isdataat:!1,relative;', 'endswith;', 'fast_pattern;']);
    return `alert dns $HOME_NET any -> any any (msg:"ET MALWARE Observed DNS Query to Malicious Domain (${d.replace('.', ' .')})"; dns.query; content:"${d}"; nocase; ${m} classtype:domain-c2; sid:${sid}; rev:1; ${metadata(r)})`;
  }],
  [8, (r, sid) => {
    const d = domain(r);
    return `alert tls $HOME_NET any -> $EXTERNAL_NET any (msg:"ET MALWARE Observed Malicious Domain in TLS SNI (${d.replace('.', ' .')})"; flow:established,to_server; tls.sni; content:"${d}"; bsize:${d.length}; fast_pattern; classtype:domain-c2; sid:${sid}; rev:1; ${metadata(r)})`;
  }],
  [10, (r, sid) => {
    const head = r.hex(r.int(2, 6));
    const opts = [`flow:established,${r.pick(['to_server', 'to_client'])};`];
    if (r.chance(0.4)) opts.push(r.chance(0.5) ? `dsize:>${r.int(16, 1400)};` : `dsize:<${r.int(100, 1400)};`);
    opts.push(`content:"|${head}|"; ${r.chance(0.5) ? `depth:${head.split(' ').length + r.int(0, 8)};` : `offset:${r.int(0, 8)}; depth:${head.split(' ').length};`}`);
    if (r.chance(0.5)) opts.push(`content:"${r.word()}"; distance:${r.int(-4, 16)}; within:${r.int(24, 64)};`);
    if (r.chance(0.3)) opts.push(`byte_test:${r.pick([1, 2, 4])},${r.pick(['>', '<', '=', '&', '!='])},${r.int(0, 255)},${r.int(0, 16)},relative${r.pick(['', ',little', ',big'])};`);
    if (r.chance(0.2)) opts.push(`isdataat:${r.int(1, 64)},relative;`);
    if (r.chance(0.2)) opts.push(`byte_jump:${r.pick([1, 2, 4])},${r.int(0, 8)},relative${r.pick(['', ',little', ',align'])};`);
    return `${action(r)} tcp ${address(r, 'home')} ${port(r)} -> ${address(r, 'external')} ${port(r)} (msg:"ET TROJAN ${r.pick(FAMILIES)} Binary Protocol Beacon ${sid}"; ${opts.join(' ')}${threshold(r)} classtype:${r.pick(CLASSTYPES)}; sid:${sid}; rev:${r.int(1, 9)}; ${metadata(r)})`;
  }],
  [8, (r, sid) => {
    const what = r.pick(['UNION', 'SELECT', '/etc/passwd', '<script>', 'cmd.exe', '../../', 'base64_decode(', '${jndi:', 'eval(']);
    const opts = ['flow:established,to_server;', `http.uri; content:"${what}"; nocase;`];
    if (r.chance(0.4)) opts.push(`pcre:"/${what.replace(/[/.$(){}]/g, (c) => `\\${c}`)}.{0,${r.int(4, 64)}}[a-z]/i";`);
    if (r.chance(0.3)) opts.push(`urilen:>${r.int(20, 400)};`);
    return `${action(r)} http $EXTERNAL_NET any -> $HTTP_SERVERS any (msg:"ET WEB_SERVER Suspicious ${what.replace(/"/g, '')} in URI ${sid}"; ${opts.join(' ')}${threshold(r)} classtype:web-application-attack; sid:${sid}; rev:${r.int(1, 4)}; ${metadata(r)})`;
  }],
  [6, (r, sid) => {
    const path = r.pick(URI_PATHS);
    return `alert tcp $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS (msg:"ET TROJAN Legacy Checkin ${sid}"; flow:established,to_server; content:"${r.pick(['GET', 'POST'])}"; http_method; content:"${path}"; http_uri; ${r.pick(['fast_pattern:only;', 'nocase;', 'depth:' + path.length + ';'])} content:"User-Agent|3a| ${r.pick(USER_AGENTS)}"; http_header; classtype:trojan-activity; sid:${sid}; rev:${r.int(2, 9)}; ${metadata(r)})`;
  }],
  [6, (r, sid) => {
    const bit = `ET.${r.word()}.${sid}`;
    return `alert tcp $HOME_NET any -> $EXTERNAL_NET any (msg:"ET INFO Session Marker ${sid}"; flow:established,to_server; content:"${r.word().toUpperCase()}"; depth:${r.int(12, 32)}; flowbits:set,${bit}; flowbits:noalert; classtype:misc-activity; sid:${sid}; rev:1;)\n` +
      `alert tcp $EXTERNAL_NET any -> $HOME_NET any (msg:"ET INFO Session Marker Response ${sid}"; flow:established,to_client; flowbits:isset,${bit}; content:"|${r.hex(4)}|"; classtype:misc-activity; sid:${sid + 1}; rev:1;)`;
  }],
  [6, (r, sid) => {
    const marker = r.pick(['MZ', '%PDF-', 'PK|03 04|', '|7f|ELF', '<?php', '#!/bin/sh']);
    return `alert http $EXTERNAL_NET any -> $HOME_NET any (msg:"ET INFO ${marker.replace(/\|/g, '')} Download ${sid}"; flow:established,to_client; http.stat_code; content:"200"; file.data; content:"${marker}"; startswith;${r.chance(0.5) ? ` content:"${r.word()}"; distance:0;` : ''} classtype:${r.pick(['misc-activity', 'bad-unknown', 'policy-violation'])}; sid:${sid}; rev:1; ${metadata(r)})`;
  }],
  [4, (r, sid) => `alert tls $HOME_NET any -> $EXTERNAL_NET any (msg:"ET JA3 Hash - Possible ${r.pick(FAMILIES)} ${sid}"; flow:established,to_server; ja3.hash; content:"${r.md5()}"; classtype:unknown; sid:${sid}; rev:1; ${metadata(r)})`],
  [4, (r, sid) => `alert udp ${address(r, 'home')} any -> ${address(r, 'external')} ${r.pick(['53', '123', '1900', 'any', '[5060,5061]'])} (msg:"ET TROJAN UDP Beacon ${sid}"; dsize:${r.int(8, 512)}; content:"|${r.hex(r.int(2, 8))}|"; depth:${r.int(8, 16)};${threshold(r)} classtype:trojan-activity; sid:${sid}; rev:1; ${metadata(r)})`],
  [2, (r, sid) => `alert http $HOME_NET any -> $EXTERNAL_NET any (msg:"ET HUNTING Multi-line Rule ${sid}"; \\\n    flow:established,to_server; \\\n    http.host; content:"${domain(r)}"; \\\n    classtype:bad-unknown; sid:${sid}; rev:1;)`],
];

/** Rules XDP can decide alone: header fields only. */
const HEADER_TEMPLATES: Array<[number, Template]> = [
  [30, (r, sid) => `${action(r)} ip ${addressList(r, r.int(5, 60))} any -> $HOME_NET any (msg:"ET CINS Active Threat Intelligence Poor Reputation IP group ${sid}"; reference:url,www.cinsscore.com; threshold: type limit, track by_src, seconds 3600, count 1; classtype:misc-attack; sid:${sid}; rev:${r.int(1, 99999)}; metadata:created_at 2013_10_08, updated_at ${date(r)};)`],
  [25, (r, sid) => {
    const flags = r.pick(TCP_FLAGS);
    const extra = [r.chance(0.3) ? ` dsize:${r.pick(['0', `>${r.int(0, 1400)}`, `<${r.int(1, 100)}`, `${r.int(0, 100)}<>${r.int(101, 1460)}`])};` : '',
      r.chance(0.2) ? ` ttl:${r.pick(['<', '>', ''])}${r.int(1, 254)};` : ''].join('');
    return `${action(r)} tcp ${address(r, 'external')} ${port(r)} -> ${address(r, 'home')} ${port(r)} (msg:"ET SCAN Suspicious TCP Flags ${flags} ${sid}"; flags:${flags};${extra}${threshold(r)} classtype:attempted-recon; sid:${sid}; rev:1;)`;
  }],
  [15, (r, sid) => `${action(r)} udp ${address(r, 'external')} ${port(r)} -> ${address(r, 'home')} ${port(r)} (msg:"ET POLICY UDP Port Policy ${sid}";${r.chance(0.4) ? ` dsize:>${r.int(100, 1400)};` : ''}${threshold(r)} classtype:policy-violation; sid:${sid}; rev:1;)`],
  [12, (r, sid) => {
    const itype = r.pick(['0', '3', '5', '8', '11', '13', '17', '>30', '<3', '41<>253']);
    const icode = r.chance(0.4) ? ` icode:${r.pick(['0', '1', '3', '>0', '13'])};` : '';
    return `${action(r)} ${r.pick(['icmp', 'icmp', 'icmpv6'])} ${address(r, 'external')} any -> ${address(r, 'home')} any (msg:"GPL ICMP_INFO Type ${itype} ${sid}"; itype:${itype};${icode}${r.chance(0.2) ? ` dsize:>${r.int(64, 1400)};` : ''} classtype:misc-activity; sid:${sid}; rev:1;)`;
  }],
  [8, (r, sid) => `${action(r)} ip ${address(r, 'external')} any -> ${address(r, 'home')} any (msg:"ET INFO Low TTL ${sid}"; ttl:${r.pick(['<', '', '>'])}${r.int(1, 10)};${threshold(r)} classtype:misc-activity; sid:${sid}; rev:1;)`],
  [5, (r, sid) => `${action(r)} ip ${address(r, 'external')} any -> ${address(r, 'home')} any (msg:"ET SCAN IP Protocol ${sid}"; ip_proto:${r.pick(['47', '50', '51', '132', 'GRE', '!6', '>100'])}; classtype:attempted-recon; sid:${sid}; rev:1;)`],
  [5, (r, sid) => `${action(r)} ${r.pick(['tcp', 'udp', 'ip'])} ${ipv6(r)} any -> ${r.pick(['any', ipv6(r), `[${ipv6(r)},${ipv6(r)}]`])} ${r.pick(['any', '443', '[80,443]'])} (msg:"ET POLICY IPv6 Block ${sid}"; classtype:policy-violation; sid:${sid}; rev:1;)`],
];

function weighted(r: Rng, templates: Array<[number, Template]>): Template {
  const total = templates.reduce((s, [w]) => s + w, 0);
  let x = r.int(1, total);
  for (const [w, t] of templates) {
    x -= w;
    if (x <= 0) return t;
  }
  return templates[templates.length - 1][1];
}

/**
 * The rules, one string per rule (a string may span lines with `\`). Payload templates may emit
 * two rules at once (a flowbits set/isset pair); the count is exact either way.
 */
export function generateRuleset(opts: GenerateOptions): string[] {
  const r = new Rng(opts.seed);
  const first = opts.firstSid ?? 3_000_000;
  const templates = opts.headerOnly ? HEADER_TEMPLATES : [...PAYLOAD_TEMPLATES, ...HEADER_TEMPLATES.map(([w, t]) => [Math.ceil(w / 4), t] as [number, Template])];
  const out: string[] = [];
  while (out.length < opts.count) {
    const sid = first + out.length;
    const rules = weighted(r, templates)(r, sid).split(/\n(?=[a-z])/);
    for (const rule of rules) if (out.length < opts.count) out.push(rule);
  }
  // A pair cut short by the count leaves a flowbits isset without its setter only if the setter
  // was cut, which cannot happen (the setter comes first); a setter alone is harmless.
  return out;
}

export function renderRuleset(opts: GenerateOptions): string {
  const head = `# Generated by bench/gen-ruleset.ts --count ${opts.count} --seed ${opts.seed}${opts.headerOnly ? ' --header-only' : ''}: generated, do not edit.\n`;
  return head + generateRuleset(opts).join('\n') + '\n';
}

function main(): void {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '30000' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
      'header-only': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const count = Number(values.count);
  const seed = Number(values.seed);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--count must be a positive integer, got "${values.count}"`);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got "${values.seed}"`);
  const text = renderRuleset({ count, seed, headerOnly: values['header-only'] });
  if (values.out) writeFileSync(values.out, text);
  else process.stdout.write(text);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
