// Names EVE prints that come from Suricata's own tables.

/**
 * `proto` as Suricata writes it: known_proto[] of its util-proto-name.c (IANA keywords, Suricata's
 * capitalisation) for 0..143, the decimal number otherwise.
 */
const KNOWN_PROTO: readonly string[] = [
  'HOPOPT', 'ICMP', 'IGMP', 'GGP', 'IP-in-IP', 'ST', 'TCP', 'CBT', 'EGP', 'IGP', // 0
  'BBN-RCC-MON', 'NVP-II', 'PUP', 'ARGUS', 'EMCON', 'XNET', 'CHAOS', 'UDP', 'MUX', 'DCN-MEAS', // 10
  'HMP', 'PRM', 'XNS-IDP', 'TRUNK-1', 'TRUNK-2', 'LEAF-1', 'LEAF-2', 'RDP', 'IRTP', 'ISO-TP4', // 20
  'NETBLT', 'MFE-NSP', 'MERIT-INP', 'DCCP', '3PC', 'IDPR', 'XTP', 'DDP', 'IDPR-CMTP', 'TP++', // 30
  'IL', 'IPv6', 'SDRP', 'IPv6-Route', 'IPv6-Frag', 'IDRP', 'RSVP', 'GRE', 'DSR', 'BNA', // 40
  'ESP', 'AH', 'I-NLSP', 'SwIPe', 'NARP', 'MOBILE', 'TLSP', 'SKIP', 'IPv6-ICMP', 'IPv6-NoNxt', // 50
  'IPv6-Opts', 'Any', 'CFTP', 'Any', 'SAT-EXPAK', 'KRYPTOLAN', 'RVD', 'IPPC', 'Any', 'SAT-MON', // 60
  'VISA', 'IPCU', 'CPNX', 'CPHB', 'WSN', 'PVP', 'BR-SAT-MON', 'SUN-ND', 'WB-MON', 'WB-EXPAK', // 70
  'ISO-IP', 'VMTP', 'SECURE-VMTP', 'VINES', 'TTP', 'NSFNET-IGP', 'DGP', 'TCF', 'EIGRP', 'OSPF', // 80
  'Sprite-RPC', 'LARP', 'MTP', 'AX.25', 'OS', 'MICP', 'SCC-SP', 'ETHERIP', 'ENCAP', 'Any', // 90
  'GMTP', 'IFMP', 'PNNI', 'PIM', 'ARIS', 'SCPS', 'QNX', 'A/N', 'IPComp', 'SNP', // 100
  'Compaq-Peer', 'IPX-in-IP', 'VRRP', 'PGM', 'Any', 'L2TP', 'DDX', 'IATP', 'STP', 'SRP', // 110
  'UTI', 'SMP', 'SM', 'PTP', 'IS-IS', 'FIRE', 'CRTP', 'CRUDP', 'SSCOPMCE', 'IPLT', // 120
  'SPS', 'PIPE', 'SCTP', 'FC', 'RSVP-E2E-IGNORE', 'Mobility', 'UDPLite', 'MPLS-in-IP', 'manet', 'HIP', // 130
  'Shim6', 'WESP', 'ROHC', 'Ethernet', // 140
];

export function protoName(proto: number): string {
  return KNOWN_PROTO[proto] ?? String(proto);
}

/**
 * classtype -> the description EVE prints as alert.category: Suricata's etc/classification.config,
 * plus the four Snort classtypes ET rules also use (sdf, file-format, malware-cnc,
 * client-side-exploit) with Snort's descriptions. The priorities live with the rule compiler
 * (src/rules/keywords/classifications.ts); a test checks both tables name the same classtypes.
 */
export const CLASSTYPE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  'not-suspicious': 'Not Suspicious Traffic',
  unknown: 'Unknown Traffic',
  'bad-unknown': 'Potentially Bad Traffic',
  'attempted-recon': 'Attempted Information Leak',
  'successful-recon-limited': 'Information Leak',
  'successful-recon-largescale': 'Large Scale Information Leak',
  'attempted-dos': 'Attempted Denial of Service',
  'successful-dos': 'Denial of Service',
  'attempted-user': 'Attempted User Privilege Gain',
  'unsuccessful-user': 'Unsuccessful User Privilege Gain',
  'successful-user': 'Successful User Privilege Gain',
  'attempted-admin': 'Attempted Administrator Privilege Gain',
  'successful-admin': 'Successful Administrator Privilege Gain',
  'rpc-portmap-decode': 'Decode of an RPC Query',
  'shellcode-detect': 'Executable code was detected',
  'string-detect': 'A suspicious string was detected',
  'suspicious-filename-detect': 'A suspicious filename was detected',
  'suspicious-login': 'An attempted login using a suspicious username was detected',
  'system-call-detect': 'A system call was detected',
  'tcp-connection': 'A TCP connection was detected',
  'trojan-activity': 'A Network Trojan was detected',
  'unusual-client-port-connection': 'A client was using an unusual port',
  'network-scan': 'Detection of a Network Scan',
  'denial-of-service': 'Detection of a Denial of Service Attack',
  'non-standard-protocol': 'Detection of a non-standard protocol or event',
  'protocol-command-decode': 'Generic Protocol Command Decode',
  'web-application-activity': 'access to a potentially vulnerable web application',
  'web-application-attack': 'Web Application Attack',
  'misc-activity': 'Misc activity',
  'misc-attack': 'Misc Attack',
  'icmp-event': 'Generic ICMP event',
  'inappropriate-content': 'Inappropriate Content was Detected',
  'policy-violation': 'Potential Corporate Privacy Violation',
  'default-login-attempt': 'Attempt to login by a default username and password',
  'targeted-activity': 'Targeted Malicious Activity was Detected',
  'exploit-kit': 'Exploit Kit Activity Detected',
  'external-ip-check': 'Device Retrieving External IP Address Detected',
  'domain-c2': 'Domain Observed Used for C2 Detected',
  'pup-activity': 'Possibly Unwanted Program Detected',
  'credential-theft': 'Successful Credential Theft Detected',
  'social-engineering': 'Possible Social Engineering Attempted',
  'coin-mining': 'Crypto Currency Mining Activity Detected',
  'command-and-control': 'Malware Command and Control Activity Detected',
  sdf: 'Sensitive Data was Transmitted Across the Network',
  'file-format': 'Known malicious file or file based exploit',
  'malware-cnc': 'Known malware command and control traffic',
  'client-side-exploit': 'Known client side exploit attempt',
};
