// Client agent of the lab, run inside the client namespace. Reads probe requests on stdin, one
// JSON per line, runs each (one exchange, bounded by its timeout) and answers one JSON per line:
//   in:  {"id":1,"proto":"tcp","family":4,"src":"198.18.1.2","dst":"198.18.2.2","port":80,"token":"…","timeoutMs":1000}
//   out: {"id":1,"observed":"delivered","ms":3.1,"detail":"answered"}
// observed: delivered (the server's answer came back), timed out (nothing came back), refused
// (TCP RST / ICMP port unreachable), unreachable (ICMP unreachable / prohibited), error.
// Prints {"event":"ready"} at start; exits when stdin closes or after lifetimeMs.
//   node --import tsx src/lab/agent-client.ts '{"lifetimeMs":120000}'
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { createInterface } from 'node:readline';

type Observed = 'delivered' | 'timed out' | 'refused' | 'unreachable' | 'error';

interface Request {
  id: number;
  proto: 'tcp' | 'udp' | 'icmp';
  family: 4 | 6;
  src: string;
  dst: string;
  port: number | null;
  token: string;
  timeoutMs: number;
}

interface Outcome {
  observed: Observed;
  detail: string;
}

const config = JSON.parse(process.argv[2] ?? '{}') as { lifetimeMs: number };
const emit = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');

function fromErrno(code: string | undefined): Observed {
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET') return 'refused';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EACCES' || code === 'EPERM') return 'unreachable';
  return 'error';
}

/** Runs `start` with a `finish` that settles once; the timeout settles as 'timed out' unless
 *  `onTimeout` says otherwise. `cleanup` always runs. */
function bounded(timeoutMs: number, start: (finish: (o: Outcome) => void) => () => void, onTimeout?: () => Outcome): Promise<Outcome> {
  return new Promise((resolve) => {
    let done = false;
    let cleanup = (): void => {};
    const finish = (o: Outcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      cleanup();
      resolve(o);
    };
    const timer = setTimeout(() => finish(onTimeout?.() ?? { observed: 'timed out', detail: `no answer in ${timeoutMs} ms` }), timeoutMs);
    cleanup = start(finish);
  });
}

function tcp(r: Request): Promise<Outcome> {
  let answered = false;
  return bounded(r.timeoutMs, (finish) => {
    const s = net.connect({ host: r.dst, port: r.port as number, localAddress: r.src, family: r.family });
    let got = '';
    s.on('connect', () => s.write(`probe ${r.token}\n`));
    s.on('data', (d) => {
      got += d;
      if (!answered && got.includes(`ok ${r.token}`)) {
        answered = true;
        s.end(); // wait for the close, so the whole exchange (FINs included) is this probe's
      }
    });
    s.on('error', (e: NodeJS.ErrnoException) => finish({ observed: fromErrno(e.code), detail: e.code ?? e.message }));
    s.on('close', () => finish(answered ? { observed: 'delivered', detail: 'answered' } : { observed: 'error', detail: 'closed without an answer' }));
    return () => s.destroy();
  }, () => (answered ? { observed: 'delivered', detail: 'answered (close timed out)' } : { observed: 'timed out', detail: `no answer in ${r.timeoutMs} ms` }));
}

function udp(r: Request): Promise<Outcome> {
  return bounded(r.timeoutMs, (finish) => {
    const s = dgram.createSocket(r.family === 4 ? 'udp4' : 'udp6');
    s.on('error', (e: NodeJS.ErrnoException) => finish({ observed: fromErrno(e.code), detail: e.code ?? e.message }));
    s.on('message', (m) => {
      if (m.toString() === `ok ${r.token}`) finish({ observed: 'delivered', detail: 'answered' });
    });
    // Connected, so an ICMP error for the datagram comes back as an error on the socket.
    s.bind({ address: r.src, port: 0 }, () => s.connect(r.port as number, r.dst, () => s.send(`probe ${r.token}`)));
    return () => {
      try {
        s.close();
      } catch {
        // already closed
      }
    };
  });
}

function icmp(r: Request): Promise<Outcome> {
  const waitS = Math.max(1, Math.ceil(r.timeoutMs / 1000));
  return bounded(r.timeoutMs + 1000, (finish) => {
    const child = spawn('ping', [`-${r.family}`, '-n', '-c', '1', '-W', String(waitS), '-I', r.src, r.dst], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('error', (e) => finish({ observed: 'error', detail: e.message }));
    child.on('close', (code) => {
      if (code === 0) finish({ observed: 'delivered', detail: 'echo reply' });
      else if (/unreachable|prohibited|filtered/i.test(out)) finish({ observed: 'unreachable', detail: out.split('\n').find((l) => /unreach|prohib|filter/i.test(l))?.trim() ?? 'unreachable' });
      else if (code === 1) finish({ observed: 'timed out', detail: `no echo reply in ${waitS} s` });
      else finish({ observed: 'error', detail: out.trim().split('\n').pop() ?? `ping exit ${code}` });
    });
    return () => child.kill('SIGKILL');
  });
}

const RUN = { tcp, udp, icmp };

setTimeout(() => process.exit(3), config.lifetimeMs).unref();
const lines = createInterface({ input: process.stdin });
lines.on('close', () => process.exit(0));
// One probe at a time, in order: the lab reads the gateway's counters around each.
let queue = Promise.resolve();
lines.on('line', (line) => {
  const r = JSON.parse(line) as Request;
  queue = queue.then(async () => {
    const t0 = performance.now();
    const o = await RUN[r.proto](r);
    emit({ id: r.id, observed: o.observed, detail: o.detail, ms: Math.round((performance.now() - t0) * 10) / 10 });
  });
});
emit({ event: 'ready' });
