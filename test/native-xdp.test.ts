// XDP attach/query/replace/detach on a veth pair this test creates (unique name, no addresses, no
// traffic) and deletes afterwards. Needs root, iproute2 and build/bpf/native_fixture.bpf.o.
import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  BpfError,
  BpfObject,
  constants,
  ifNameToIndex,
  xdpAttach,
  xdpDetach,
  xdpQuery,
  type BpfProgram,
} from '../src/native/index.ts';

const FIXTURE = new URL('../build/bpf/native_fixture.bpf.o', import.meta.url).pathname;

function throwsBpf(t: ExecutionContext, fn: () => unknown, op: string, code: string): BpfError {
  const e = t.throws(fn, { instanceOf: BpfError });
  t.is(e.op, op);
  t.is(e.code, code);
  return e;
}

/** A veth pair named fwn<pid><rand>a/b, deleted (and so detached) at teardown. */
function veth(t: ExecutionContext): { a: string; ifindex: number } {
  const base = `fwn${process.pid % 100000}${randomBytes(2).toString('hex')}`;
  const a = `${base}a`;
  execFileSync('ip', ['link', 'add', a, 'type', 'veth', 'peer', 'name', `${base}b`]);
  t.teardown(() => execFileSync('ip', ['link', 'del', a]));
  return { a, ifindex: ifNameToIndex(a) };
}

function program(t: ExecutionContext, retval: number): BpfProgram {
  const o = BpfObject.open(FIXTURE);
  o.setGlobal('nf_retval', retval);
  o.load();
  const p = o.program('nf_xdp');
  o.close();
  t.teardown(() => p.close());
  return p;
}

test('ifNameToIndex: existing and unknown names', (t) => {
  t.is(ifNameToIndex('lo'), 1);
  throwsBpf(t, () => ifNameToIndex('fwn-no-such-if'), 'if_nametoindex', 'ENODEV');
});

test('native mode: attach, refuse, replace atomically, detach by expected program', (t) => {
  const { ifindex } = veth(t);
  const pass = program(t, constants.XDP_PASS);
  const drop = program(t, constants.XDP_DROP);
  t.like(xdpQuery(ifindex), { attachMode: 'none', progId: 0, drvProgId: 0, skbProgId: 0 });

  xdpAttach(ifindex, pass, { mode: 'native' });
  t.like(xdpQuery(ifindex), { attachMode: 'native', progId: pass.id, drvProgId: pass.id, skbProgId: 0 });

  const busy = throwsBpf(t, () => xdpAttach(ifindex, drop, { mode: 'native', noReplace: true }), 'bpf_xdp_attach', 'EBUSY');
  t.regex(busy.message, /ifindex \d+: .*already attached/, "the kernel's extack message is in the error");
  // Replace only if the expected program is attached: drop is not, so this fails.
  throwsBpf(t, () => xdpAttach(ifindex, pass, { mode: 'native', replaceProgFd: drop }), 'bpf_xdp_attach', 'EEXIST');
  xdpAttach(ifindex, drop.fd, { mode: 'native', replaceProgFd: pass.fd });
  t.like(xdpQuery(ifindex), { attachMode: 'native', drvProgId: drop.id });

  throwsBpf(t, () => xdpDetach(ifindex, { mode: 'native', expectedProgFd: pass }), 'bpf_xdp_detach', 'EEXIST');
  t.is(xdpQuery(ifindex).drvProgId, drop.id);
  xdpDetach(ifindex, { mode: 'native', expectedProgFd: drop });
  t.like(xdpQuery(ifindex), { attachMode: 'none', progId: 0 });
});

test('generic mode and plain detach; unknown ifindex', (t) => {
  const { ifindex } = veth(t);
  const pass = program(t, constants.XDP_PASS);
  xdpAttach(ifindex, pass, { mode: 'generic' });
  t.like(xdpQuery(ifindex), { attachMode: 'generic', progId: pass.id, skbProgId: pass.id, drvProgId: 0 });
  xdpDetach(ifindex, { mode: 'generic' });
  t.is(xdpQuery(ifindex).attachMode, 'none');
  throwsBpf(t, () => xdpAttach(0x7ffffff0, pass, { mode: 'native' }), 'bpf_xdp_attach', 'ENODEV');
  t.throws(() => xdpAttach(ifindex, pass, { mode: 'fast' } as never), { instanceOf: TypeError });
  t.throws(() => xdpAttach(ifindex, pass, {} as never), { instanceOf: TypeError });
});

test('a program stays attached after its handle is closed (no bpf_link)', (t) => {
  const { ifindex } = veth(t);
  const o = BpfObject.open(FIXTURE);
  o.load();
  const p = o.program('nf_xdp');
  const id = p.id;
  xdpAttach(ifindex, p, { mode: 'native' });
  p.close();
  o.close();
  t.is(xdpQuery(ifindex).drvProgId, id);
  xdpDetach(ifindex, { mode: 'native' });
  t.is(xdpQuery(ifindex).drvProgId, 0);
});
