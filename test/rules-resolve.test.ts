// Golden tests of the resolve stage: $VARIABLES (defaults, files, --var), nested groups and
// negation resolved to exact CIDR and port-range sets; equal sets are one shared object.
import test from 'ava';
import { DEFAULT_VARS, parseVarAssignments, parseVarsJson, VarConfigError, type VarConfig } from '../src/rules/index.ts';
import { printAddress, printPorts } from '../src/rules/print.ts';
import { compile, brief } from './helpers/rules.ts';

function expectHeader(t: import('ava').ExecutionContext, src: string, sp: string, expected: [string, string], vars?: Partial<VarConfig>): void {
  const r = compile(`alert ip ${src} ${sp} -> any any (sid:1;)`, { vars });
  t.deepEqual(r.diagnostics.map(brief), []);
  const rule = r.rules[0];
  t.deepEqual([printAddress(rule.src), printPorts(rule.srcPorts)], expected);
}

test('literals and lists', (t) => {
  expectHeader(t, '[10.0.0.0/8,!10.1.0.0/16]', '[80,443,8000:8080]', [
    '[10.0.0.0/16,10.2.0.0/15,10.4.0.0/14,10.8.0.0/13,10.16.0.0/12,10.32.0.0/11,10.64.0.0/10,10.128.0.0/9]',
    '[80,443,8000:8080]',
  ]);
  expectHeader(t, '[192.168.1.0/24, 192.168.0.0/24]', '[1:100,![50,60]]', ['192.168.0.0/23', '[1:49,51:59,61:100]']);
  expectHeader(t, '1.2.3.4-1.2.3.10', '1024:', ['[1.2.3.4/30,1.2.3.8/31,1.2.3.10/32]', '1024:']);
  expectHeader(t, '2001:2::/48', ':1023', ['2001:2::/48', ':1023']);
});

test('negation of a whole family keeps the other family', (t) => {
  expectHeader(t, '!0.0.0.0/0', '!80', ['::/0', '[:79,81:]']);
  expectHeader(t, '[!2001:2::/48, !0.0.0.0/1]', 'any', [
    '[128.0.0.0/1,::/3,2000::/16,2001::/31,2001:2:1::/48,2001:2:2::/47,2001:2:4::/46,2001:2:8::/45,2001:2:10::/44,2001:2:20::/43,2001:2:40::/42,2001:2:80::/41,2001:2:100::/40,2001:2:200::/39,2001:2:400::/38,2001:2:800::/37,2001:2:1000::/36,2001:2:2000::/35,2001:2:4000::/34,2001:2:8000::/33,2001:3::/32,2001:4::/30,2001:8::/29,2001:10::/28,2001:20::/27,2001:40::/26,2001:80::/25,2001:100::/24,2001:200::/23,2001:400::/22,2001:800::/21,2001:1000::/20,2001:2000::/19,2001:4000::/18,2001:8000::/17,2002::/15,2004::/14,2008::/13,2010::/12,2020::/11,2040::/10,2080::/9,2100::/8,2200::/7,2400::/6,2800::/5,3000::/4,4000::/2,8000::/1]',
    'any',
  ]);
});

test('default variables: HOME_NET, EXTERNAL_NET = !$HOME_NET, port groups', (t) => {
  expectHeader(t, '$HOME_NET', '$HTTP_PORTS', ['[10.0.0.0/8,172.16.0.0/12,192.168.0.0/16]', '80']);
  expectHeader(t, '$HTTP_SERVERS', '$FILE_DATA_PORTS', ['[10.0.0.0/8,172.16.0.0/12,192.168.0.0/16]', '[80,110,143]']);
  expectHeader(t, '[$HOME_NET,$EXTERNAL_NET]', '$SHELLCODE_PORTS', ['any', '[:79,81:]']);
  expectHeader(t, '$SIP_SERVERS', '$SIP_PORTS', ['198.18.0.1/32', '5060:5061'], { addressGroups: { SIP_SERVERS: '198.18.0.1' } });
});

test('overrides win over defaults and nest through other variables', (t) => {
  expectHeader(t, '$EXTERNAL_NET', '$HTTP_PORTS', ['[0.0.0.0/1,128.0.0.0/2,192.0.0.0/6,196.0.0.0/7,198.0.0.0/12,198.16.0.0/15,198.20.0.0/14,198.24.0.0/13,198.32.0.0/11,198.64.0.0/10,198.128.0.0/9,199.0.0.0/8,200.0.0.0/5,208.0.0.0/4,224.0.0.0/3,::/0]', '[80,8080]'], {
    addressGroups: { HOME_NET: '198.18.0.0/15' },
    portGroups: { HTTP_PORTS: '[80,8080]' },
  });
});

test('equal sets are one shared object across rules', (t) => {
  const r = compile(
    'alert tcp $HOME_NET any -> $EXTERNAL_NET 80 (sid:1;)\nalert udp [192.168.0.0/16,10.0.0.0/8,172.16.0.0/12] any -> !$HOME_NET [80] (flow:to_server; sid:2;)\nalert tcp any any -> any any (flow:to_server; sid:3;)',
  );
  const [a, b, c] = r.rules;
  t.is(a.src, b.src);
  t.is(a.dst, b.dst);
  t.is(a.dstPorts, b.dstPorts);
  t.is(a.srcPorts, c.srcPorts);
  t.is(b.flow, c.flow);
  t.is(a.protocol, c.protocol);
});

test('parseVarAssignments sorts names into address and port groups', (t) => {
  t.deepEqual(parseVarAssignments(['HOME_NET=[198.18.0.0/15]', 'HTTP_PORTS=[80,8080]', 'WEB=1.2.3.4', 'MY_PORT=8443', 'port-groups.X=any', '$DNS=[53]', 'vars.address-groups.Y=any']), {
    addressGroups: { HOME_NET: '[198.18.0.0/15]', WEB: '1.2.3.4', Y: 'any' },
    portGroups: { HTTP_PORTS: '[80,8080]', MY_PORT: '8443', X: 'any', DNS: '[53]' },
  });
  t.throws(() => parseVarAssignments(['HOME_NET']), { instanceOf: VarConfigError, message: /expected NAME=VALUE/ });
  t.throws(() => parseVarAssignments(['1X=2']), { instanceOf: VarConfigError });
  t.throws(() => parseVarAssignments(['X=']), { instanceOf: VarConfigError, message: /empty value/ });
});

test('parseVarsJson reads the conformance vars.json shape and Suricata\'s vars: section', (t) => {
  const v = parseVarsJson('{"address-groups": {"HOME_NET": "[10.0.0.0/8]"}, "port-groups": {"ORACLE_PORTS": 1521}}');
  t.deepEqual(v, { addressGroups: { HOME_NET: '[10.0.0.0/8]' }, portGroups: { ORACLE_PORTS: '1521' } });
  t.deepEqual(parseVarsJson('{"vars": {"port-groups": {"X": "80"}}}'), { addressGroups: {}, portGroups: { X: '80' } });
  t.throws(() => parseVarsJson('{"adress-groups": {}}'), { message: /unknown key "adress-groups".*did you mean "address-groups"/ });
  t.throws(() => parseVarsJson('{"port-groups": {"X": [80]}}'), { instanceOf: VarConfigError });
  t.throws(() => parseVarsJson('not json'), { message: /not valid JSON/ });
});

test('the defaults are Suricata\'s suricata.yaml', (t) => {
  t.is(DEFAULT_VARS.addressGroups.EXTERNAL_NET, '!$HOME_NET');
  t.is(DEFAULT_VARS.portGroups.FILE_DATA_PORTS, '[$HTTP_PORTS,110,143]');
  t.is(Object.keys(DEFAULT_VARS.addressGroups).length, 15);
  t.is(Object.keys(DEFAULT_VARS.portGroups).length, 12);
});
