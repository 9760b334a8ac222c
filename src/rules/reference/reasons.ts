// Reason names, spelled as the datapath prints them (src/abi Reason; a test checks each one exists
// there). Written out here rather than imported, so the reference depends on nothing it checks.

/** Headers the parser could not read: they follow the malformed policy (drop by default). */
export const MALFORMED_REASONS = [
  'malformed_eth', 'malformed_vlan', 'vlan_depth', 'malformed_ipv4', 'malformed_ipv6', 'ipv6_ext_depth',
  'malformed_ipv6_ext', 'malformed_tcp', 'malformed_udp', 'malformed_icmp', 'malformed_icmpv6',
] as const;
export type MalformedReason = (typeof MALFORMED_REASONS)[number];

/** What the decoder says about a frame. */
export type DecodeReason = 'pass_default' | 'non_ip' | MalformedReason;

/** Why a packet got its verdict. */
export type ReferenceReason =
  | DecodeReason
  | 'fragment'
  | 'rule_pass'
  | 'rule_drop'
  | 'rule_reject'
  | 'rule_alert'
  | 'rule_flag'
  | 'flow_drop'
  | 'flow_invalid';

export const REFERENCE_REASONS: readonly ReferenceReason[] = [
  'pass_default', 'non_ip', ...MALFORMED_REASONS, 'fragment', 'rule_pass', 'rule_drop', 'rule_reject', 'rule_alert',
  'rule_flag', 'flow_drop', 'flow_invalid',
];
