// What the back ends rely on in the IR: which rules need the DPI worker, defaults, the order of
// relative chains per buffer after legacy modifiers, decoded bytes.
import test from 'ava';
import { compile, brief } from './helpers/rules.ts';

test('header-only rules do not need DPI; payload, app protocols, flowbits and stream_size do', (t) => {
  const r = compile(
    [
      'alert tcp $HOME_NET any -> any 22 (flags:S; flow:to_server; dsize:0; ttl:<5; threshold:type limit,track by_src,count 1,seconds 60; sid:1;)',
      'alert icmp any any -> any any (itype:8; icode:0; sid:2;)',
      'alert tcp any any -> any any (content:"x"; sid:3;)',
      'alert tls any any -> any any (sid:4;)',
      'alert tcp any any -> any any (flowbits:set,a; flowbits:noalert; sid:5;)',
      'alert tcp any any -> any any (stream_size:client,>,100; sid:6;)',
    ].join('\n'),
  );
  t.deepEqual(r.diagnostics.map(brief), []);
  t.deepEqual(r.rules.map((x) => [x.meta.sid, x.needsDpi, x.dpiReasons]), [
    [1, false, []],
    [2, false, []],
    [3, true, ['content']],
    [4, true, ['app:tls']],
    [5, true, ['flowbits']],
    [6, true, ['stream_size']],
  ]);
});

test('meta defaults: gid 1, rev 0, empty msg, priority from classtype else 3', (t) => {
  const [a, b, c] = compile('alert ip any any -> any any (sid:1;)\nalert ip any any -> any any (classtype:attempted-recon; sid:2;)\nalert ip any any -> any any (classtype:attempted-recon; priority:4; sid:3;)').rules;
  t.like(a.meta, { sid: 1, gid: 1, rev: 0, msg: '', priority: 3 });
  t.is(b.meta.priority, 2);
  t.is(c.meta.priority, 4);
});

test('legacy modifiers group contents per buffer and keep relative chains in order', (t) => {
  const [r] = compile(
    'alert tcp any any -> any any (content:"GET"; http_method; content:"/a"; http_uri; content:"body"; content:"b"; http_uri; distance:0; within:10; content:"c"; distance:1; sid:1;)',
  ).rules;
  t.deepEqual(
    r.payload.map((b) => [b.buffer, b.items.map((i) => (i.kind === 'content' ? `${Buffer.from(i.bytes)}${i.distance !== undefined ? `+${i.distance}` : ''}` : i.kind))]),
    [
      ['http.method', ['GET']],
      ['http.uri', ['/a', 'b+0']],
      ['payload', ['body', 'c+1']],
    ],
  );
  t.is(r.app, 'http');
});

test('content bytes are decoded: hex blocks, escapes, UTF-8', (t) => {
  const [r] = compile('alert tcp any any -> any any (content:"a|00 ff|\\"\\;\\\\\\:é"; sid:1;)').rules;
  const c = r.payload[0].items[0];
  t.is(c.kind, 'content');
  if (c.kind === 'content') t.deepEqual([...c.bytes], [0x61, 0x00, 0xff, 0x22, 0x3b, 0x5c, 0x3a, 0xc3, 0xa9]);
});

test('rule source keeps file, first line and text', (t) => {
  const [r] = compile('# x\nalert ip any any -> any any ( \\\n sid:9;)').rules;
  t.deepEqual(r.source, { file: 't.rules', line: 2, text: 'alert ip any any -> any any (  sid:9;)' });
});
