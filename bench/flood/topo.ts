// The flood lab: four network namespaces of one run (prefix fsc<pid>, or the caller's), joined to
// a gateway by three veth pairs, the gateway forwarding. fwctl runs in the gateway (XDP native on
// its client- and attacker-facing veths, SYNPROXY in its nftables); the server answers TCP
// transactions; the client makes them; the attacker floods spoofed SYNs from 198.19.0.0/16.
//
//   client  P c  PcG 198.18.41.2 ── PgC 198.18.41.1 ┐
//   attacker P a PaG 198.18.42.2 ── PgA 198.18.42.1 ├ gateway P g ── PgS 198.18.43.1 ── PsG 198.18.43.2  server P s
//   (IPv6 the same in 2001:2:0:41..43::/64)
//
// Everything is created by exact name and removed by exact name (namespaces take their veths
// with them); sysctls are set only inside the gateway namespace.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { SYSTEM_ENV, run as sh } from '../live/tools.ts';
import type { ClientResult } from './tcp-agent.ts';
import type { FloodJob, FloodResult } from '../../src/lab/flood-gen.ts';

const execp = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PASS_OBJECT = join(ROOT, 'build/bpf/flood_gen.bpf.o');

export const ADDR = {
  client: '198.18.41.2', gwClient: '198.18.41.1',
  attacker: '198.18.42.2', gwAttacker: '198.18.42.1',
  server: '198.18.43.2', gwServer: '198.18.43.1',
  spoofed: '198.19.0.0/16',
  client6: '2001:2:0:41::2', gwClient6: '2001:2:0:41::1',
  attacker6: '2001:2:0:42::2', gwAttacker6: '2001:2:0:42::1',
  server6: '2001:2:0:43::2', gwServer6: '2001:2:0:43::1',
} as const;
export const PORT = 8080;

export interface Cmd { code: number; out: string; err: string }

export class FloodTopo {
  readonly p: string;
  readonly ns: { client: string; attacker: string; gw: string; server: string };
  readonly ifs: { cg: string; gc: string; ag: string; ga: string; sg: string; gs: string };
  readonly instance: string;
  readonly #made = new Set<string>();
  readonly #children = new Set<ChildProcess>();
  readonly #dir = mkdtempSync(join(tmpdir(), 'fwctl-flood-'));
  #loaded = false;
  mac = { ag: '', ga: '' };

  constructor(prefix = `fsc${process.pid}`) {
    this.p = prefix;
    this.ns = { client: `${prefix}c`, attacker: `${prefix}a`, gw: `${prefix}g`, server: `${prefix}s` };
    this.ifs = { cg: `${prefix}cG`, gc: `${prefix}gC`, ag: `${prefix}aG`, ga: `${prefix}gA`, sg: `${prefix}sG`, gs: `${prefix}gS` };
    this.instance = `${prefix}-gw`;
  }

  static nsenter(netns: string): string[] {
    return ['nsenter', `--net=/run/netns/${netns}`, '--'];
  }

  /** Runs a command inside a namespace to completion. */
  inNs(netns: string, cmd: string, args: string[]): string {
    return sh('nsenter', [`--net=/run/netns/${netns}`, '--', cmd, ...args]);
  }

  up(): void {
    for (const n of Object.values(this.ns)) {
      sh('ip', ['netns', 'add', n]); // fails rather than reuse a namespace someone else made
      this.#made.add(n);
    }
    const { client, attacker, gw, server } = this.ns;
    // IPv6: link-local addresses without DAD (a router resolves its neighbours from them), none
    // at all for the attacker (its veth then carries only the flood).
    for (const n of [client, gw, server]) this.inNs(n, 'sysctl', ['-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
    this.inNs(attacker, 'sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    const pairs: Array<[string, string, string, string, string, string, string]> = [
      [client, this.ifs.cg, this.ifs.gc, ADDR.client, ADDR.gwClient, ADDR.client6, ADDR.gwClient6],
      [attacker, this.ifs.ag, this.ifs.ga, ADDR.attacker, ADDR.gwAttacker, ADDR.attacker6, ADDR.gwAttacker6],
      [server, this.ifs.sg, this.ifs.gs, ADDR.server, ADDR.gwServer, ADDR.server6, ADDR.gwServer6],
    ];
    for (const [ns, end, gwEnd, addr, gwAddr, addr6, gwAddr6] of pairs) {
      sh('ip', ['link', 'add', end, 'netns', ns, 'type', 'veth', 'peer', 'name', gwEnd, 'netns', gw]);
      for (const [n, i, a, a6] of [[ns, end, addr, addr6], [gw, gwEnd, gwAddr, gwAddr6]]) {
        sh('ip', ['-n', n, 'addr', 'add', `${a}/24`, 'dev', i]);
        if (n !== attacker) sh('ip', ['-n', n, '-6', 'addr', 'add', `${a6}/64`, 'dev', i, 'nodad']);
        sh('ip', ['-n', n, 'link', 'set', i, 'up']);
      }
      sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      sh('ip', ['-n', ns, 'route', 'add', 'default', 'via', gwAddr]);
      if (ns !== attacker) sh('ip', ['-n', ns, '-6', 'route', 'add', 'default', 'via', gwAddr6]);
      // Full checksums from the stack (XDP checks a SYN's before answering it).
      this.inNs(ns, 'ethtool', ['-K', end, 'tx', 'off']);
      // A pass-through XDP program on the end: veth delivers the gateway's XDP_TX frames (the
      // SYN-ACKs) to a peer only when the peer runs XDP. It goes with the namespace.
      if (ns !== server) sh('ip', ['-n', ns, 'link', 'set', 'dev', end, 'xdpdrv', 'obj', PASS_OBJECT, 'sec', 'xdp.frags']);
    }
    sh('ip', ['-n', gw, 'link', 'set', 'lo', 'up']);
    this.inNs(gw, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
    const mac = (ns: string, i: string) => (JSON.parse(sh('ip', ['-n', ns, '-j', 'link', 'show', i])) as Array<{ address: string }>)[0].address;
    this.mac = { ag: mac(attacker, this.ifs.ag), ga: mac(gw, this.ifs.ga) };
  }

  /** fwctl as a subprocess in the gateway namespace (nsenter --net keeps the pins visible). */
  async fwctl(...args: string[]): Promise<Cmd> {
    try {
      const r = await execp('nsenter', [`--net=/run/netns/${this.ns.gw}`, '--', process.execPath, join(ROOT, 'bin/fwctl.mjs'), ...args],
        { maxBuffer: 16 << 20, env: SYSTEM_ENV, cwd: ROOT });
      return { code: 0, out: r.stdout, err: r.stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, out: x.stdout, err: x.stderr };
    }
  }

  /** Loads the datapath into the gateway, attached natively to its client- and attacker-facing veths. */
  async loadGateway(): Promise<void> {
    const rules = join(this.#dir, 'gw.rules');
    writeFileSync(rules, 'drop tcp any any -> any 23 (msg:"telnet"; sid:1;)\n');
    const r = await this.fwctl('load', rules, '--iface', `${this.ifs.gc},${this.ifs.ga}`, '--instance', this.instance, '-o', 'json');
    if (r.code !== 0) throw new Error(`fwctl load: ${r.out}${r.err}`);
    this.#loaded = true;
  }

  /** `fwctl synproxy add` for the server's IPv4 (or IPv6) service. */
  async protect(...opts: string[]): Promise<unknown> {
    const v6 = opts.includes('--v6');
    const svc = v6 ? `[${ADDR.server6}]:${PORT}` : `${ADDR.server}:${PORT}`;
    const r = await this.fwctl('synproxy', 'add', svc, '--sysctl', '--instance', this.instance, '-o', 'json', ...opts.filter((x) => x !== '--v6'));
    if (r.code !== 0) throw new Error(`fwctl synproxy add: ${r.out}${r.err}`);
    return JSON.parse(r.out.trim().split('\n').pop() as string);
  }

  async synproxyList(): Promise<{ services: Array<Record<string, number | string | boolean>>; counters: Record<string, number> }> {
    const r = await this.fwctl('synproxy', 'list', '--instance', this.instance, '-o', 'json');
    if (r.code !== 0) throw new Error(`fwctl synproxy list: ${r.out}${r.err}`);
    return JSON.parse(r.out.trim().split('\n').pop() as string);
  }

  /** Frames received by the client's or the attacker's end (ip -s). */
  rxPackets(end: 'client' | 'attacker'): number {
    const [ns, i] = end === 'client' ? [this.ns.client, this.ifs.cg] : [this.ns.attacker, this.ifs.ag];
    const info = JSON.parse(sh('ip', ['-n', ns, '-s', '-j', 'link', 'show', i])) as Array<{ stats64?: { rx?: { packets: number } } }>;
    return info[0].stats64?.rx?.packets ?? 0;
  }

  /** Frames the gateway's XDP program saw on its attacker- or client-facing veth (ethtool -S,
   *  every rx queue): what of a flood arrived, whatever the generator's ring dropped. */
  gatewayXdpPackets(from: 'client' | 'attacker'): number {
    const out = this.inNs(this.ns.gw, 'ethtool', ['-S', from === 'client' ? this.ifs.gc : this.ifs.ga]);
    let n = 0;
    for (const m of out.matchAll(/rx_queue_\d+_xdp_packets: (\d+)/g)) n += Number(m[1]);
    return n;
  }

  /** Conntrack entries in the gateway (the kernel's flow table behind SYNPROXY). */
  conntrackCount(): number {
    return Number(this.inNs(this.ns.gw, 'cat', ['/proc/sys/net/netfilter/nf_conntrack_count']).trim());
  }

  #spawn(netns: string, argv: string[]): ChildProcess {
    const c = spawn('nsenter', [`--net=/run/netns/${netns}`, '--', ...argv], { stdio: ['pipe', 'pipe', 'pipe'], env: SYSTEM_ENV, cwd: ROOT });
    this.#children.add(c);
    c.on('exit', () => this.#children.delete(c));
    return c;
  }

  #tsx(netns: string, script: string, args: string[]): ChildProcess {
    return this.#spawn(netns, [process.execPath, '--import', 'tsx', join(ROOT, script), ...args]);
  }

  /** Starts the TCP server in the server namespace; resolves once it listens. */
  startServer(): Promise<ChildProcess> {
    const c = this.#tsx(this.ns.server, 'bench/flood/tcp-agent.ts', ['server', String(PORT)]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('server agent did not start in 20 s')), 20_000);
      c.stdout?.once('data', () => { clearTimeout(timer); resolve(c); });
      c.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server agent exited (${code})`)); });
    });
  }

  static #lastJson<T>(c: ChildProcess, what: string, timeoutMs: number): Promise<T> {
    let out = '';
    let err = '';
    c.stdout?.on('data', (d) => { out += d; });
    c.stderr?.on('data', (d) => { err += d; });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { c.kill('SIGKILL'); reject(new Error(`${what} did not finish in ${timeoutMs} ms`)); }, timeoutMs);
      c.once('exit', (code) => {
        clearTimeout(timer);
        const line = out.trim().split('\n').pop();
        if (code !== 0 || !line) reject(new Error(`${what} exited ${code}: ${err.trim().slice(0, 2000)}`));
        else resolve(JSON.parse(line) as T);
      });
    });
  }

  /** TCP transactions from the client namespace to the server, through the gateway. */
  client(seconds: number, conc: number, timeoutMs = 3000, o: { max?: number; localPort?: number; v6?: boolean } = {}): Promise<ClientResult> {
    const extra = o.max === undefined && o.localPort === undefined ? [] : [String(o.max ?? 0x7fffffff), ...(o.localPort ? [String(o.localPort)] : [])];
    const host = o.v6 ? ADDR.server6 : ADDR.server;
    const c = this.#tsx(this.ns.client, 'bench/flood/tcp-agent.ts', ['client', host, String(PORT), String(seconds), String(conc), String(timeoutMs), ...extra]);
    c.stdin?.end();
    return FloodTopo.#lastJson<ClientResult>(c, 'client agent', (seconds + 30) * 1000);
  }

  /** Spoofed SYNs from the attacker namespace at `pps` for `seconds` (cpu: taskset it). */
  flood(pps: number, seconds: number, cpu?: number): Promise<FloodResult> {
    const job: FloodJob = {
      ifname: this.ifs.ag, srcMac: this.mac.ag, dstMac: this.mac.ga, srcPrefix: ADDR.spoofed, dst: ADDR.server, dport: PORT,
      pps, seconds,
    };
    const argv = [process.execPath, '--import', 'tsx', join(ROOT, 'src/lab/flood-gen.ts'), JSON.stringify(job)];
    const c = this.#spawn(this.ns.attacker, cpu === undefined ? argv : ['taskset', '-c', String(cpu), ...argv]);
    return FloodTopo.#lastJson<FloodResult>(c, 'flood generator', (seconds + 30) * 1000);
  }

  /** Removes everything: the instance (unload takes the synproxy services and nft table), children,
   *  namespaces. */
  async down(): Promise<string[]> {
    const problems: string[] = [];
    for (const c of this.#children) {
      c.stdin?.end();
      c.kill('SIGTERM');
    }
    if (this.#loaded) {
      const u = await this.fwctl('unload', '--instance', this.instance);
      if (u.code !== 0) problems.push(`unload: ${u.out}${u.err}`);
    }
    for (const n of [...this.#made]) {
      try {
        execFileSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
        this.#made.delete(n);
      } catch (e) {
        problems.push(`ip netns del ${n}: ${(e as Error).message}`);
      }
    }
    rmSync(this.#dir, { recursive: true, force: true });
    if (existsSync(`/run/fwctl/${this.instance}`)) rmSync(`/run/fwctl/${this.instance}`, { recursive: true, force: true });
    return problems;
  }
}
