// The catalogue of synproxy error codes (src/addrset/errors.ts style): each says whether it is the
// caller's input (exit 1) or the running system (exit 2). docs/errors.md lists them.
import { codedError, type CodeInfo, type ExitKind, failure, invalid } from '../coded-error.ts';

export type { ExitKind };

export const SP_CODES = {
  E_SP_BAD_SERVICE: invalid('A service is ADDRESS:PORT (IPv4) or [ADDRESS]:PORT (IPv6), one host address and a port 1-65535.'),
  E_SP_BAD_OPTION: invalid('A synproxy option is out of range: threshold 0-4294967295, window 1ms-1h, mss 536-65535, wscale 0-14, mode auto or always.'),
  E_SP_NOT_PROTECTED: invalid('`fwctl synproxy del` names a service that is not protected.'),
  E_SP_SYSCTL: invalid('net.netfilter.nf_conntrack_tcp_loose is not 0 in this network namespace: SYNPROXY cannot see the handshake\'s ACK as invalid. Pass --sysctl to set it (in the current namespace only).'),
  E_SP_FULL: failure('The service map is full (FW_SC_SVC_MAX entries).'),
  E_SP_MAPS_MISSING: failure('The instance was pinned by a build without SYN cookies: reload it.'),
  E_SP_NFT: failure('nft failed to apply or remove the instance\'s synproxy table; the message has its output.'),
} as const satisfies Record<string, CodeInfo>;

export type SpCode = keyof typeof SP_CODES;

export const SynproxyError = codedError('SynproxyError', SP_CODES);
export type SynproxyError = InstanceType<typeof SynproxyError>;
