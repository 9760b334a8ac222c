// The netfilter half: for every protected service, SYNs are untracked in raw prerouting and
// SYNPROXY (nftables `synproxy`) answers them when XDP did not, checks the handshake's ACK against
// the same kernel cookie and opens the connection to the server. One table per instance, named
// from it, rebuilt whole in one `nft -f` transaction and removed exactly (never by pattern).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';

import { SynproxyError } from './errors.ts';
import type { Service } from './service.ts';

/** The instance's table (family inet): fwctl_sp_<instance, [A-Za-z0-9_] only>_<6 hex of a hash>,
 *  so two instance names that sanitize alike still get two tables. */
export function tableName(instance: string): string {
  const clean = instance.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40);
  const h = createHash('sha256').update(instance).digest('hex').slice(0, 6);
  return `fwctl_sp_${clean}_${h}`;
}

const SYN_ONLY = 'tcp flags & (fin|syn|rst|ack) == syn';

function match(s: Service): string {
  return `${s.family === 4 ? 'ip' : 'ip6'} daddr ${s.addr} tcp dport ${s.port}`;
}

/** The nft script that makes the table hold exactly these services (none: removes it). */
export function renderScript(instance: string, services: readonly Service[]): string {
  const t = `inet ${tableName(instance)}`;
  const lines = [`table ${t}`, `delete table ${t}`];
  if (services.length === 0) return `${lines.join('\n')}\n`;
  const proxy = (s: Service) =>
    `${match(s)} ct state invalid,untracked synproxy mss ${s.settings.mss} wscale ${s.settings.wscale} timestamp sack-perm`;
  const filter = (hook: string) => [
    `  chain ${hook} {`,
    `    type filter hook ${hook} priority filter; policy accept;`,
    ...services.flatMap((s) => [`    ${proxy(s)}`, `    ${match(s)} ct state invalid drop`]),
    '  }',
  ];
  lines.push(
    `table ${t} {`,
    '  chain prerouting {',
    '    type filter hook prerouting priority raw; policy accept;',
    ...services.map((s) => `    ${match(s)} ${SYN_ONLY} notrack`),
    '  }',
    ...filter('forward'),
    ...filter('input'),
    '}',
  );
  return `${lines.join('\n')}\n`;
}

/** The system's nft by absolute path: under npx, PATH starts with node_modules/.bin, where `nft`
 *  is @vercel/nft's command line. */
const NFT = ['/usr/sbin/nft', '/sbin/nft', '/usr/bin/nft', '/bin/nft'].find((p) => existsSync(p)) ?? 'nft';

function nft(args: string[], input?: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(NFT, args, { input, encoding: 'utf8' });
  if (r.error) throw new SynproxyError('E_SP_NFT', `nft: ${r.error.message}`, { cause: r.error });
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** Makes the instance's table hold exactly `services`, atomically (one transaction). */
export function applyTable(instance: string, services: readonly Service[]): void {
  const r = nft(['-f', '-'], renderScript(instance, services));
  if (r.status !== 0) throw new SynproxyError('E_SP_NFT', `nft -f failed for table ${tableName(instance)}: ${r.stderr.trim()}`);
}

/** Whether the instance's table exists in this network namespace. */
export function tableExists(instance: string): boolean {
  if (!existsSync(NFT)) return false; // no nftables here: no table either
  return nft(['list', 'table', 'inet', tableName(instance)]).status === 0;
}

/** The instance's table as nft prints it, or null. */
export function listTable(instance: string): string | null {
  const r = nft(['list', 'table', 'inet', tableName(instance)]);
  return r.status === 0 ? r.stdout : null;
}
