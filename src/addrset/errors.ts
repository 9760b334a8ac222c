// The one catalogue of address-set error codes, and the error class that carries them. A code says
// whether it is the caller's input (exit 1) or the running system (exit 2).
import { codedError, type CodeInfo, type ExitKind, failure, invalid } from '../coded-error.ts';

export type { ExitKind };

export const ASET_CODES = {
  // --- prefix text (files and command-line arguments) -------------------------------------------
  E_ASET_BAD_ADDRESS: invalid('Not an IPv4 address (dotted quad, no leading zeros) or an IPv6 address (RFC 4291 text, no zone id).'),
  E_ASET_BAD_PREFIX_LEN: invalid('The prefix length after `/` is not a number from 0 to 32 (IPv4) or 128 (IPv6).'),
  E_ASET_HOST_BITS: invalid('The address has bits set beyond its prefix length (10.1.2.3/8): write the network address (10.0.0.0/8).'),
  E_ASET_TRAILING_TEXT: invalid('Something other than a comment follows the prefix on its line; one prefix per line, comments start with `#` or `;`.'),
  E_ASET_FILE: invalid('A prefix file cannot be read.'),
  E_ASET_PARSE: invalid('A list had bad lines (each reported with its own code and position); nothing was loaded.'),
  E_ASET_TOO_MANY: invalid('The list holds more prefixes of one family than the set can (FW_ASET_V4_MAX, FW_ASET_V6_MAX).'),
  E_ASET_BAD_TTL: invalid('A TTL is a duration such as 90s, 10m, 1h30m, 2d (a bare number is seconds), or "never".'),
  E_ASET_REASON_TOO_LONG: invalid('A block reason is at most 40 bytes of UTF-8.'),
  E_ASET_NOT_BLOCKED: invalid('`fwctl block del` names a prefix that is not in the block list (exactly: a /24 inside a blocked /16 is not).'),
  E_INSTANCE_NAME: invalid('An instance name is one path component: letters, digits, `_ . -`, at most 64, not starting with a dot.'),
  // --- the running datapath ---------------------------------------------------------------------
  E_INSTANCE_NOT_LOADED: failure('No datapath is pinned under /sys/fs/bpf/fwctl/<instance>/.'),
  E_ASET_MAPS_MISSING: failure('The instance was pinned by a build without address sets: reload it.'),
  E_ASET_STATE: failure('A static set slot points at a map that is neither of its generations: the pins are inconsistent.'),
  E_ASET_BUSY: failure('Another process holds the set\'s writer lock longer than the wait allows.'),
  E_ASET_FULL: failure('The block list is full (FW_BLOCK_V4_MAX / FW_BLOCK_V6_MAX entries).'),
} as const satisfies Record<string, CodeInfo>;

export type AsetCode = keyof typeof ASET_CODES;

export const AddrSetError = codedError('AddrSetError', ASET_CODES);
export type AddrSetError = InstanceType<typeof AddrSetError>;
