// The management access of an instance: where the operator comes from and the box's port (and,
// optionally, its addresses). `--mgmt ADDR[:PORT]` sets the source and the port, `--mgmt-to` the
// box's addresses; both are kept in instance.json. Default: SSH (22) from anywhere to the box.
import { AddrSetError } from '../addrset/index.ts';
import { ControlError } from './errors.ts';
import { prefixRange } from './net.ts';
import { DEFAULT_MGMT, type Mgmt } from './state.ts';

function bad(message: string): ControlError {
  return new ControlError('E_MGMT_SPEC', 'args', 'invalid', message);
}

function prefixText(text: string, what: string): string {
  try {
    return prefixRange(text).text;
  } catch (e) {
    if (e instanceof AddrSetError) throw bad(`${what} "${text}": ${e.message}`);
    throw e;
  }
}

function parsePort(text: string, spec: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) throw bad(`--mgmt "${spec}": the port must be 1-65535, not "${text}"`);
  return Number(text);
}

/**
 * `--mgmt` values: `any`, `any:2222`, `198.18.0.10`, `198.18.0.10:22`, `198.18.0.0/24:22`,
 * `2001:2::10`, `[2001:2::10]:22`, `[2001:2::/64]:22`. The address is the management source.
 */
export function parseMgmtSpec(spec: string): { from: string[]; port: number } {
  const s = spec.trim();
  let addr = s;
  let port: number = DEFAULT_MGMT.port;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) throw bad(`--mgmt "${spec}": "[" without "]"`);
    addr = s.slice(1, close);
    const rest = s.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) throw bad(`--mgmt "${spec}": expected ":PORT" after "]"`);
      port = parsePort(rest.slice(1), spec);
    }
  } else {
    const colons = (s.match(/:/g) ?? []).length;
    if (colons === 1) {
      // a.b.c.d:port or any:port (an IPv6 address has at least two colons)
      const i = s.indexOf(':');
      addr = s.slice(0, i);
      port = parsePort(s.slice(i + 1), spec);
    }
  }
  if (addr === 'any' || addr === '') return { from: [...DEFAULT_MGMT.from], port };
  return { from: [prefixText(addr, '--mgmt')], port };
}

/** `--mgmt-to` values: comma-separated addresses of the box (none: its interfaces' addresses). */
export function parseMgmtTo(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    for (const a of v.split(',').map((x) => x.trim()).filter(Boolean)) {
      const p = prefixText(a, '--mgmt-to');
      if (!/\/(32|128)$/.test(p)) throw bad(`--mgmt-to "${a}": give the box's addresses, not a prefix`);
      out.push(p.slice(0, p.lastIndexOf('/')));
    }
  }
  return out;
}

/** The configuration after this load's options: given values replace stored ones. */
export function mergeMgmt(stored: Mgmt | undefined, spec: string | undefined, to: readonly string[] | undefined): Mgmt {
  const base = stored ?? DEFAULT_MGMT;
  const m: Mgmt = { from: [...base.from], port: base.port, to: [...base.to] };
  if (spec !== undefined) Object.assign(m, parseMgmtSpec(spec));
  if (to !== undefined && to.length > 0) m.to = parseMgmtTo(to);
  return m;
}

export function describeMgmt(m: Mgmt): string {
  const any = m.from.length === 2 && m.from.includes('0.0.0.0/0') && m.from.includes('::/0');
  return `TCP port ${m.port} from ${any ? 'anywhere' : m.from.join(', ')} to ${m.to.length ? m.to.join(', ') : "the box's interface addresses"}`;
}
