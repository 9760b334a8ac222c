// The kernel settings SYNPROXY needs, as the kernel's xdp_synproxy selftest sets them. They are
// per network namespace: read and written in the calling process's namespace only (a gateway
// namespace the caller made, or the gateway itself), never anywhere else.
import { readFileSync, writeFileSync } from 'node:fs';

/** name -> value. nf_conntrack_tcp_loose 0 is the one SYNPROXY cannot work without: with loose
 *  pick-up conntrack would adopt the handshake's ACK as an established connection instead of
 *  leaving it INVALID for the synproxy rule. */
export const SYNPROXY_SYSCTLS: Readonly<Record<string, string>> = {
  'net/netfilter/nf_conntrack_tcp_loose': '0',
  'net/ipv4/tcp_syncookies': '2',
  'net/ipv4/tcp_timestamps': '1',
};

export function readSysctl(name: string): string | null {
  try {
    return readFileSync(`/proc/sys/${name}`, 'utf8').trim();
  } catch {
    return null;
  }
}

/** The settings that differ from what SYNPROXY needs: name -> current value. */
export function sysctlProblems(): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [name, want] of Object.entries(SYNPROXY_SYSCTLS)) {
    const cur = readSysctl(name);
    if (cur !== want) out[name] = cur;
  }
  return out;
}

/** Sets them in the calling process's network namespace; returns what changed (name -> old value). */
export function applySysctls(): Record<string, string | null> {
  const changed = sysctlProblems();
  for (const name of Object.keys(changed)) writeFileSync(`/proc/sys/${name}`, SYNPROXY_SYSCTLS[name]);
  return changed;
}
