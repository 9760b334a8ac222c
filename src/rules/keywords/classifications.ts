// Suricata's default classification.config: classtype → default priority.
export const CLASSIFICATIONS: Record<string, number> = {
  'not-suspicious': 3, unknown: 3, 'bad-unknown': 2, 'attempted-recon': 2, 'successful-recon-limited': 2,
  'successful-recon-largescale': 2, 'attempted-dos': 2, 'successful-dos': 2, 'attempted-user': 1,
  'unsuccessful-user': 1, 'successful-user': 1, 'attempted-admin': 1, 'successful-admin': 1,
  'rpc-portmap-decode': 2, 'shellcode-detect': 1, 'string-detect': 3, 'suspicious-filename-detect': 2,
  'suspicious-login': 2, 'system-call-detect': 2, 'tcp-connection': 4, 'trojan-activity': 1,
  'unusual-client-port-connection': 2, 'network-scan': 3, 'denial-of-service': 2, 'non-standard-protocol': 2,
  'protocol-command-decode': 3, 'web-application-activity': 2, 'web-application-attack': 1, 'misc-activity': 3,
  'misc-attack': 2, 'icmp-event': 3, 'inappropriate-content': 1, 'policy-violation': 1, 'default-login-attempt': 2,
  'targeted-activity': 1, 'exploit-kit': 1, 'external-ip-check': 2, 'domain-c2': 1, 'pup-activity': 2,
  'credential-theft': 1, 'social-engineering': 2, 'coin-mining': 2, 'command-and-control': 1, sdf: 2,
  'file-format': 1, 'malware-cnc': 1, 'client-side-exploit': 1,
};
