// Prefix text and prefix files: what parses, what is an error, and where the error is.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';

import {
  formatDurationMs, formatPrefix, formatPrefixDiagnostic, parseDurationMs, parsePrefix, parsePrefixFiles, parseText,
  PrefixListBuilder, prefixListOf,
} from '../src/addrset/index.ts';
import { ipToBytes } from '../src/packets/index.ts';

// [text, canonical form] — the canonical form is what listings print.
const GOOD: Array<[string, string]> = [
  ['198.18.0.0/15', '198.18.0.0/15'],
  ['198.18.7.1', '198.18.7.1/32'],
  ['0.0.0.0/0', '0.0.0.0/0'],
  ['255.255.255.255/32', '255.255.255.255/32'],
  ['10.0.0.0/08', '10.0.0.0/8'],
  ['2001:2::/48', '2001:2::/48'],
  ['2001:0002:0000:0000:0000:0000:0000:0001', '2001:2::1/128'],
  ['::/0', '::/0'],
  ['::', '::/128'],
  ['::1', '::1/128'],
  ['1::', '1::/128'],
  ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0/128'],
  ['::ffff:198.18.0.1', '::ffff:c612:1/128'],
  ['64:ff9b::198.18.0.0/120', '64:ff9b::c612:0/120'],
  ['2001:DB8::/32', '2001:db8::/32'],
];

for (const [text, canon] of GOOD) {
  test(`parses ${text}`, (t) => {
    const p = parsePrefix(text);
    t.is(formatPrefix(p.family, p.addr, p.len), canon);
    const addr = text.split('/')[0];
    if (p.len === (p.family === 4 ? 32 : 128)) t.deepEqual([...p.addr], [...ipToBytes(addr)], 'same bytes as node:net');
  });
}

// [text, code, column (1-based), length]
const BAD: Array<[string, string, number, number]> = [
  ['198.18.0.1/24', 'E_ASET_HOST_BITS', 1, 13],
  ['2001:2::1/64', 'E_ASET_HOST_BITS', 1, 12],
  ['198.18.0.256', 'E_ASET_BAD_ADDRESS', 1, 12],
  ['198.18.0', 'E_ASET_BAD_ADDRESS', 1, 8],
  ['198.18.00.1', 'E_ASET_BAD_ADDRESS', 1, 11],
  ['198.18.0.0.0', 'E_ASET_BAD_ADDRESS', 1, 12],
  ['/24', 'E_ASET_BAD_ADDRESS', 1, 1],
  ['example.com', 'E_ASET_BAD_ADDRESS', 1, 11],
  ['198.18.0.0/33', 'E_ASET_BAD_PREFIX_LEN', 12, 2],
  ['198.18.0.0/', 'E_ASET_BAD_PREFIX_LEN', 12, 1],
  ['198.18.0.0/2a', 'E_ASET_BAD_PREFIX_LEN', 12, 2],
  ['2001:2::/129', 'E_ASET_BAD_PREFIX_LEN', 10, 3],
  ['::1::2', 'E_ASET_BAD_ADDRESS', 1, 6],
  ['1:2:3:4:5:6:7:8:9', 'E_ASET_BAD_ADDRESS', 1, 17],
  ['1:2:3:4:5:6:7', 'E_ASET_BAD_ADDRESS', 1, 13],
  [':1::', 'E_ASET_BAD_ADDRESS', 1, 4],
  ['1::2:', 'E_ASET_BAD_ADDRESS', 1, 5],
  ['12345::', 'E_ASET_BAD_ADDRESS', 1, 7],
  ['fe80::1%eth0', 'E_ASET_BAD_ADDRESS', 1, 12],
  ['1:2:3:4:5:6:7:1.2.3.4', 'E_ASET_BAD_ADDRESS', 1, 21],
];

for (const [text, code, col, length] of BAD) {
  test(`rejects ${text} with ${code} at column ${col}`, (t) => {
    const diags = parseText(text, 'f.txt', new PrefixListBuilder());
    t.is(diags.length, 1);
    t.like(diags[0], { code, line: 1, col, length, file: 'f.txt', lineText: text });
    t.throws(() => parsePrefix(text), { code } as never);
  });
}

test('a host-bits error suggests the network address', (t) => {
  const [d] = parseText('198.18.0.1/24\n2001:2::1/64', 'f', new PrefixListBuilder());
  t.is(d.suggestion, '198.18.0.0/24');
  t.is(parseText('2001:2::1/64', 'f', new PrefixListBuilder())[0].suggestion, '2001:2::/64');
});

test('files: comments (# and ;), blank lines, CRLF, a BOM, indentation, duplicates', (t) => {
  const b = new PrefixListBuilder();
  const text = '\ufeff# header\r\n\r\n  198.18.0.0/24 # office\r\n198.18.1.0/24 ; SBL123\r\n\t2001:2::/48\r\n198.18.0.0/24\r\n2001:2:0::/48\r\n;only a comment\r\n';
  t.deepEqual(parseText(text, 'f', b), []);
  const list = b.build();
  t.is(list.v4Count, 2);
  t.is(list.v6Count, 1);
  t.is(list.duplicates, 2, 'the same prefix written twice, in any text form, is loaded once');
  t.is(list.v4.length, 16);
  t.is(list.v6.length, 20);
});

test('IPv4 keys come out sorted and encoded as struct fw_lpm_v4 (prefixlen LE, address in network order)', (t) => {
  const list = prefixListOf(['198.19.0.0/16', '198.18.7.0/24', '198.18.7.0/25', '10.0.0.1']);
  const keys: string[] = [];
  for (let i = 0; i < list.v4Count; i++) {
    const len = list.v4.readUInt32LE(i * 8);
    keys.push(formatPrefix(4, list.v4.subarray(i * 8 + 4, i * 8 + 8), len));
  }
  t.deepEqual(keys, ['10.0.0.1/32', '198.18.7.0/24', '198.18.7.0/25', '198.19.0.0/16']);
});

test('every bad line of every file is reported with file:line:col, and unreadable files too', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fwctl-aset-parse-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const a = join(dir, 'a.txt');
  const b = join(dir, 'b.txt');
  writeFileSync(a, '198.18.0.0/24\n198.18.0.1/24\n\n  10.0.0.0/8 extra # c\n');
  writeFileSync(b, '# b\n2001:2::/200\n');
  const r = parsePrefixFiles([a, b, join(dir, 'missing.txt')]);
  t.deepEqual(
    r.diagnostics.map((d) => `${d.file.slice(dir.length + 1)}:${d.line}:${d.col} ${d.code}`),
    ['a.txt:2:1 E_ASET_HOST_BITS', 'a.txt:4:14 E_ASET_TRAILING_TEXT', 'b.txt:2:10 E_ASET_BAD_PREFIX_LEN', 'missing.txt:0:0 E_ASET_FILE'],
  );
  t.is(r.moreErrors, 0);
  t.is(
    formatPrefixDiagnostic(r.diagnostics[1]),
    `${a}:4:14: error E_ASET_TRAILING_TEXT: unexpected "extra" after the prefix (one prefix per line)\n` +
      '    10.0.0.0/8 extra # c\n' +
      '               ^~~~~',
  );
});

test('a file of garbage keeps the first 1000 diagnostics and counts the rest', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fwctl-aset-parse-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const f = join(dir, 'rules.txt');
  writeFileSync(f, 'alert tcp any any -> any any (sid:1;)\n'.repeat(1500));
  const r = parsePrefixFiles([f]);
  t.is(r.diagnostics.length, 1000);
  t.is(r.moreErrors, 500);
});

test('durations', (t) => {
  t.is(parseDurationMs('10m'), 600_000);
  t.is(parseDurationMs('1h30m'), 5_400_000);
  t.is(parseDurationMs('90'), 90_000);
  t.is(parseDurationMs('250ms'), 250);
  t.is(parseDurationMs('2d'), 172_800_000);
  t.is(parseDurationMs('never'), null);
  t.throws(() => parseDurationMs('10 minutes'), { instanceOf: RangeError });
  t.throws(() => parseDurationMs('m'), { instanceOf: RangeError });
  t.is(formatDurationMs(3_725_000), '1h2m5s');
  t.is(formatDurationMs(999), '999ms');
  t.is(formatDurationMs(86_400_000), '1d');
});
