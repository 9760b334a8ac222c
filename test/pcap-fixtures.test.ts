// The committed fixtures are exactly what scripts/make-fixtures.ts makes, and each is listed in
// pcaps/INDEX.md (regenerate with `npx tsx scripts/make-fixtures.ts`).
import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FIXTURES } from '../scripts/make-fixtures.ts';
import { ipToBytes } from '../src/packets/index.ts';
import { openPcap } from '../src/pcap/index.ts';

const PCAPS = fileURLToPath(new URL('../pcaps/', import.meta.url));

for (const [name, make] of Object.entries(FIXTURES)) {
  test(`pcaps/${name} is up to date and listed`, (t) => {
    t.true(readFileSync(PCAPS + name).equals(make()), 'differs from scripts/make-fixtures.ts output');
    t.regex(readFileSync(PCAPS + 'INDEX.md', 'utf8'), new RegExp(`\\| \`${name.replace('.', '\\.')}\` \\|`));
  });
}

test('every capture in pcaps/ is made by the script', (t) => {
  const files = readdirSync(PCAPS).filter((f) => /\.(pcap|pcapng)$/.test(f)).sort();
  t.deepEqual(files, Object.keys(FIXTURES).sort());
});

/** IPv4 source/destination of an Ethernet frame (after VLAN tags), or IPv6's. */
function addrs(frame: Buffer): Buffer[] {
  let off = 12;
  let type = frame.readUInt16BE(off);
  while (type === 0x8100) { off += 4; type = frame.readUInt16BE(off); }
  const ip = off + 2;
  if (type === 0x0800) return [frame.subarray(ip + 12, ip + 16), frame.subarray(ip + 16, ip + 20)];
  if (type === 0x86dd) return [frame.subarray(ip + 8, ip + 24), frame.subarray(ip + 24, ip + 40)];
  if (type === 0x0806) return [frame.subarray(ip + 14, ip + 18), frame.subarray(ip + 24, ip + 28)];
  return [];
}

test('fixtures use only 198.18.0.0/15 and 2001:2::/48 (and IPv6 multicast ff02::/16)', (t) => {
  const v4 = ipToBytes('198.18.0.0');
  const v6 = ipToBytes('2001:2::');
  let checked = 0;
  for (const name of Object.keys(FIXTURES)) {
    for (const p of openPcap(PCAPS + name)) {
      for (const a of addrs(p.frame)) {
        const ok = a.length === 4 ? a[0] === v4[0] && (a[1] & 0xfe) === v4[1] : a.subarray(0, 6).equals(v6.subarray(0, 6)) || (a[0] === 0xff && a[1] === 0x02);
        t.true(ok, `${name} packet ${p.index}: ${a.toString('hex')}`);
        checked++;
      }
    }
  }
  t.true(checked > 100);
});
