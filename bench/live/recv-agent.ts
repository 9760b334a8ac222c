// The receiver: runs in the receiving namespace (under `nsenter --net`), sets up one engine on the
// receiving veth end and reads its counters on request. JSON lines on stdin and stdout:
//   in:  {"engine": "nft", "ifname": "...", "rules": ["drop ...", ...]}   (first line: set up)
//   out: {"ok": true, "setup": {"rules": 1001, "detail": "..."}}
//   in:  {"op": "read"}
//   out: {"ok": true, "counts": {"dropped": "123", "byLast": "123", "passed": "0"}}
// stdin closed (or SIGTERM): the engine is taken down and the agent exits. Any failure is one
// {"ok": false, "error": "..."} line, then the agent tears down and exits 2.
import { createInterface } from 'node:readline';
import { z } from 'zod';

import { compileRules } from './ruleset.ts';
import { type Engine, ENGINE_NAMES, makeEngine } from './engines.ts';

const setupSchema = z.strictObject({
  engine: z.enum(ENGINE_NAMES),
  ifname: z.string().min(1),
  rules: z.array(z.string()).min(1),
});
const cmdSchema = z.strictObject({ op: z.literal('read') });

let engine: Engine | undefined;

function say(o: unknown): void {
  process.stdout.write(`${JSON.stringify(o, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
}

function finish(code: number): never {
  const e = engine;
  engine = undefined;
  try {
    e?.teardown();
  } catch (err) {
    console.error(`recv-agent: teardown: ${(err as Error).message}`);
    code = 2;
  }
  process.exit(code);
}

process.on('SIGTERM', () => finish(2));
process.on('SIGINT', () => finish(2));

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  try {
    const msg: unknown = JSON.parse(line);
    if (!engine) {
      const job = setupSchema.parse(msg);
      engine = makeEngine(job.engine, compileRules(job.rules), job.ifname);
      say({ ok: true, setup: engine.setup() });
      return;
    }
    cmdSchema.parse(msg);
    say({ ok: true, counts: engine.read() });
  } catch (err) {
    say({ ok: false, error: (err as Error).message });
    finish(2);
  }
});
lines.on('close', () => finish(0));
