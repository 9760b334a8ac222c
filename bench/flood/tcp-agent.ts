// TCP transactions for bench/flood and test/synflood-live: run inside a namespace under
// `nsenter --net`. One transaction = connect, send a line, read the answer line, close.
//   server PORT                       answers every line with "ok <line>\n" and closes; prints
//                                     {"listening":PORT} once ready; exits when stdin closes
//   client HOST PORT SECONDS CONC TIMEOUT_MS [MAX [LOCAL_PORT]]
//                                     CONC workers loop transactions for SECONDS (or MAX in all),
//                                     from LOCAL_PORT if given (every connection on one tuple);
//                                     prints one JSON line: ok, failed by cause, tps, latencies
import { createConnection, createServer } from 'node:net';

export interface ClientResult {
  ok: number;
  failed: number;
  /** Failures by cause: timeout, ECONNREFUSED, ECONNRESET, bad_answer... */
  causes: Record<string, number>;
  seconds: number;
  tps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function transaction(host: string, port: number, timeoutMs: number, n: number, localPort?: number): Promise<string | null> {
  return new Promise((resolve) => {
    let answer = '';
    let done = false;
    const finish = (cause: string | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(cause);
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    const sock = createConnection({ host, port, localPort });
    sock.setNoDelay(true);
    sock.on('connect', () => sock.write(`tx ${n}\n`));
    // The transaction ends when the server has closed (it answers and closes): the client then
    // closes second, so the TIME_WAIT stays on the server and the next connection from the same
    // local port is not refused with EADDRNOTAVAIL (destroying on the answer raced the server's FIN
    // and sometimes left the client in TIME_WAIT).
    sock.on('data', (d) => {
      answer += d.toString();
    });
    sock.on('error', (e: NodeJS.ErrnoException) => finish(e.code ?? 'error'));
    sock.on('close', () => finish(answer === `ok tx ${n}\n` ? null : answer.endsWith('\n') ? 'bad_answer' : 'closed'));
  });
}

export async function runClient(host: string, port: number, seconds: number, conc: number, timeoutMs: number, max = Infinity,
  localPort?: number): Promise<ClientResult> {
  const lat: number[] = [];
  const causes: Record<string, number> = {};
  let started = 0;
  let failed = 0;
  const t0 = process.hrtime.bigint();
  const end = t0 + BigInt(Math.round(seconds * 1e9));
  const worker = async () => {
    while (process.hrtime.bigint() < end && started < max) {
      const n = started++;
      const s = process.hrtime.bigint();
      const cause = await transaction(host, port, timeoutMs, n, localPort);
      if (cause === null) lat.push(Number(process.hrtime.bigint() - s) / 1e6);
      else {
        failed++;
        causes[cause] = (causes[cause] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: conc }, worker));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  lat.sort((a, b) => a - b);
  const q = (p: number) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : 0);
  return { ok: lat.length, failed, causes, seconds: secs, tps: lat.length / secs, p50Ms: q(0.5), p99Ms: q(0.99), maxMs: lat.at(-1) ?? 0 };
}

function runServer(port: number): void {
  const srv = createServer((sock) => {
    let line = '';
    sock.on('data', (d) => {
      line += d.toString();
      if (line.endsWith('\n')) sock.end(`ok ${line}`);
    });
    sock.on('error', () => sock.destroy());
  });
  srv.listen({ port, host: '::', ipv6Only: false, backlog: 4096 }, () => process.stdout.write(`${JSON.stringify({ listening: port })}\n`));
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
  setTimeout(() => process.exit(0), 15 * 60_000).unref();
}

if (process.argv[1]?.endsWith('tcp-agent.ts')) {
  const [mode, ...a] = process.argv.slice(2);
  if (mode === 'server') runServer(Number(a[0]));
  else if (mode === 'client') {
    const r = await runClient(a[0], Number(a[1]), Number(a[2]), Number(a[3]), Number(a[4]), a[5] ? Number(a[5]) : Infinity,
      a[6] ? Number(a[6]) : undefined);
    process.stdout.write(`${JSON.stringify(r)}\n`);
  } else {
    process.stderr.write('usage: tcp-agent.ts server PORT | client HOST PORT SECONDS CONC TIMEOUT_MS [MAX]\n');
    process.exit(1);
  }
}
