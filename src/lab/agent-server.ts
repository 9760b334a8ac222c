// Server agent of the lab, run inside the server namespace: TCP listeners and UDP responders on
// every address and port it is given. A probe sends "probe <token>"; the agent answers
// "ok <token>" and reports on stdout what it saw ({event: "seen", proto, token, local, remote}).
// Prints {event: "ready"} once everything is bound. Exits when stdin closes (its parent is gone)
// or after `lifetimeMs` at the latest.
//   node --import tsx src/lab/agent-server.ts '{"tcp":[80],"udp":[53],"addresses":[...],"lifetimeMs":120000}'
import dgram from 'node:dgram';
import net from 'node:net';

interface Config {
  tcp: number[];
  udp: number[];
  addresses: string[];
  lifetimeMs: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as Config;
const emit = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');
const closers: Array<() => void> = [];
const PROBE = /^probe (\S+)/;

function tcpListener(host: string, port: number): Promise<void> {
  const srv = net.createServer((sock) => {
    let line = '';
    sock.setTimeout(5000, () => sock.destroy());
    sock.on('error', () => sock.destroy());
    sock.on('data', (d) => {
      line += d;
      const m = PROBE.exec(line);
      if (!m || !line.includes('\n')) return;
      emit({ event: 'seen', proto: 'tcp', token: m[1], local: `${sock.localAddress}:${sock.localPort}`, remote: sock.remoteAddress });
      sock.end(`ok ${m[1]}\n`);
    });
  });
  closers.push(() => srv.close());
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen({ host, port, ipv6Only: host.includes(':') }, () => resolve());
  });
}

function udpResponder(host: string, port: number): Promise<void> {
  const sock = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', ipv6Only: host.includes(':') });
  closers.push(() => sock.close());
  sock.on('message', (msg, rinfo) => {
    const m = PROBE.exec(msg.toString());
    if (!m) return;
    emit({ event: 'seen', proto: 'udp', token: m[1], local: `${host}:${port}`, remote: rinfo.address });
    sock.send(`ok ${m[1]}`, rinfo.port, rinfo.address);
  });
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, host, () => resolve());
  });
}

function stop(code: number): never {
  for (const close of closers) close();
  process.exit(code);
}

setTimeout(() => stop(3), config.lifetimeMs).unref();
process.stdin.on('end', () => stop(0));
process.stdin.resume();

try {
  await Promise.all(config.addresses.flatMap((a) => [
    ...config.tcp.map((p) => tcpListener(a, p)),
    ...config.udp.map((p) => udpResponder(a, p)),
  ]));
  emit({ event: 'ready' });
} catch (e) {
  emit({ event: 'failed', error: (e as Error).message });
  stop(2);
}
