// Golden tests of the parse stage: address and port syntax (nested lists, negation, variables,
// CIDR/netmask/range literals) and the header fields.
import test from 'ava';
import { parseAddress, parsePort, type AddrNode, type PortNode } from '../src/rules/syntax/addrport.ts';
import { formatV4, formatV6 } from '../src/rules/net/ip.ts';
import { compile, brief } from './helpers/rules.ts';

function showAddr(n: AddrNode): string {
  switch (n.kind) {
    case 'any': return 'any';
    case 'var': return `$${n.name}`;
    case 'ip': {
      const f = n.family === 4 ? formatV4 : formatV6;
      return n.range[0] === n.range[1] ? f(n.range[0]) : `${f(n.range[0])}-${f(n.range[1])}`;
    }
    case 'not': return `!${showAddr(n.inner)}`;
    case 'list': return `[${n.items.map(showAddr).join(' ')}]`;
  }
}

function showPort(n: PortNode): string {
  switch (n.kind) {
    case 'any': return 'any';
    case 'var': return `$${n.name}`;
    case 'range': return n.lo === n.hi ? `${n.lo}` : `${n.lo}-${n.hi}`;
    case 'not': return `!${showPort(n.inner)}`;
    case 'list': return `[${n.items.map(showPort).join(' ')}]`;
  }
}

const addrCases: Array<[string, string]> = [
  ['any', 'any'],
  ['ANY', 'any'],
  ['10.1.2.3', '10.1.2.3'],
  ['10.1.2.3/8', '10.0.0.0-10.255.255.255'],
  ['192.168.0.0/255.255.255.0', '192.168.0.0-192.168.0.255'],
  ['1.2.3.4-1.2.3.10', '1.2.3.4-1.2.3.10'],
  ['2001:db8::1', '2001:db8::1'],
  ['2001:2::/48', '2001:2::-2001:2:0:ffff:ffff:ffff:ffff:ffff'],
  ['::ffff:198.18.0.1', '::ffff:c612:1'],
  ['$HOME_NET', '$HOME_NET'],
  ['!$HOME_NET', '!$HOME_NET'],
  ['[10.0.0.0/8, !10.1.0.0/16, [$DNS_SERVERS, !1.1.1.1]]', '[10.0.0.0-10.255.255.255 !10.1.0.0-10.1.255.255 [$DNS_SERVERS !1.1.1.1]]'],
  ['![1.2.3.4,5.6.7.8]', '![1.2.3.4 5.6.7.8]'],
];
for (const [input, shown] of addrCases) {
  test(`address syntax: ${input}`, (t) => {
    const { node, errors } = parseAddress(input);
    t.deepEqual(errors, []);
    t.is(node && showAddr(node), shown);
  });
}

const badAddr: Array<[string, string]> = [
  ['1.2.3', '"1.2.3" is not an IP address, CIDR, "any" or $VARIABLE'],
  ['10.0.0.0/33', 'bad IPv4 prefix "/33"'],
  ['1.2.3.9-1.2.3.4', 'address range "1.2.3.9-1.2.3.4" runs backwards'],
  ['[1.2.3.4', 'list is not closed: expected "]"'],
  ['[]', 'empty list "[]"'],
  ['[1.2.3.4 5.6.7.8]', 'expected "," or "]" in list, found "5"'],
  ['$1BAD', 'bad variable name "$1BAD"'],
  ['1.2.3.4]', 'unexpected "]" after 1.2.3.4'],
];
for (const [input, message] of badAddr) {
  test(`address syntax error: ${input}`, (t) => {
    const { node, errors } = parseAddress(input);
    t.is(node, undefined);
    t.is(errors[0]?.message, message);
  });
}

const portCases: Array<[string, string]> = [
  ['any', 'any'],
  ['80', '80'],
  ['1024:', '1024-65535'],
  [':1023', '0-1023'],
  ['[80,443, 8000:8080]', '[80 443 8000-8080]'],
  ['!$HTTP_PORTS', '!$HTTP_PORTS'],
  ['[1:100,![50,60]]', '[1-100 ![50 60]]'],
];
for (const [input, shown] of portCases) {
  test(`port syntax: ${input}`, (t) => {
    const { node, errors } = parsePort(input);
    t.deepEqual(errors, []);
    t.is(node && showPort(node), shown);
  });
}

test('port syntax errors', (t) => {
  t.is(parsePort('65536').errors[0]?.message, '"65536" is not a port (0-65535), range, "any" or $VARIABLE');
  t.is(parsePort(':').errors[0]?.message, 'bad port range ":"');
  t.is(parsePort('90:80').errors[0]?.message, 'port range "90:80" runs backwards');
});

test('header: actions, directions and protocols are case-insensitive; reject variants parse', (t) => {
  for (const action of ['ALERT', 'drop', 'Pass', 'reject', 'rejectsrc', 'rejectdst', 'rejectboth']) {
    const r = compile(`${action} TCP any any <> any any (sid:1;)`);
    t.deepEqual(r.diagnostics.map(brief), [], action);
    t.is(r.rules[0].action as string, action.toLowerCase());
    t.is(r.rules[0].direction, '<>');
  }
});

test('header protocols map to IP protocols, family and tcp mode', (t) => {
  const proto = (p: string) => compile(`alert ${p} any any -> any any (sid:1;)`).rules[0].protocol;
  t.like(proto('ip'), { ipProto: null, family: 'any' });
  t.like(proto('tcp'), { ipProto: [6], tcpMode: 'any' });
  t.like(proto('tcp-pkt'), { ipProto: [6], tcpMode: 'pkt' });
  t.like(proto('tcp-stream'), { ipProto: [6], tcpMode: 'stream' });
  t.like(proto('udp'), { ipProto: [17] });
  t.like(proto('icmp'), { ipProto: [1, 58] });
  t.like(proto('icmpv6'), { ipProto: [58] });
  t.like(proto('ipv6'), { ipProto: null, family: 'ipv6' });
  t.like(proto('dns'), { ipProto: [6, 17] });
  t.like(proto('http'), { ipProto: [6] });
  t.like(proto('tls'), { ipProto: [6] });
});
