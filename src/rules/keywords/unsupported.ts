// Suricata keywords fwctl recognizes but cannot evaluate yet. A rule using one is skipped with a
// warning naming the keyword (an error with --strict), never loaded with weaker semantics.
// Namespaces of app-layer protocols fwctl has no parser for are recognized by prefix.
import type { UnsupportedKeyword } from './types.ts';

const NAMES: Array<[string, string]> = [
  ['app-layer-event', 'app-layer parser events'],
  ['app-layer-protocol', 'match on the detected app-layer protocol'],
  ['app-layer-state', 'app-layer transaction state'],
  ['decode-event', 'packet decoder events'],
  ['stream-event', 'TCP stream engine events'],
  ['engine-event', 'engine events'],
  ['ja3.hash', 'JA3 TLS client fingerprint'], ['ja3_hash', 'JA3 TLS client fingerprint'],
  ['ja3.string', 'JA3 string'], ['ja3_string', 'JA3 string'],
  ['ja3s.hash', 'JA3S TLS server fingerprint'], ['ja3s.string', 'JA3S string'],
  ['ja4.hash', 'JA4 TLS client fingerprint'],
  ['lua', 'Lua scripts'], ['luajit', 'Lua scripts'],
  ['xbits', 'bits per host or IP pair'], ['hostbits', 'bits per host'],
  ['flowint', 'integer flow variables'], ['flowvar', 'flow variables'], ['pktvar', 'packet variables'],
  ['base64_decode', 'base64 decoding'], ['base64_data', 'base64-decoded buffer'],
  ['byte_extract', 'byte extraction into variables'], ['byte_math', 'arithmetic on buffer bytes'],
  ['entropy', 'buffer entropy'], ['dataset', 'datasets'], ['datarep', 'data reputation'],
  ['iprep', 'IP reputation'], ['geoip', 'GeoIP lookups'], ['tag', 'session tagging'],
  ['filestore', 'file extraction'], ['filename', 'file names'], ['fileext', 'file extensions'],
  ['filemagic', 'file magic'], ['filemd5', 'file MD5 lists'], ['filesha1', 'file SHA-1 lists'],
  ['filesha256', 'file SHA-256 lists'], ['filesize', 'file sizes'], ['file.name', 'file names'],
  ['file.magic', 'file magic'],
  ['tls.version', 'TLS version'], ['tls.subject', 'legacy TLS subject match'], ['tls.issuerdn', 'legacy TLS issuer match'],
  ['tls.fingerprint', 'legacy TLS fingerprint match'], ['tls.store', 'TLS certificate store'], ['tls_store', 'TLS certificate store'],
  ['tls_cert_notbefore', 'certificate validity'], ['tls_cert_notafter', 'certificate validity'],
  ['tls_cert_expired', 'certificate validity'], ['tls_cert_valid', 'certificate validity'],
  ['tls.random', 'TLS random'], ['tls.random_time', 'TLS random'], ['tls.random_bytes', 'TLS random'],
  ['tls.subjectaltname', 'certificate SAN'], ['tls.cert_chain_len', 'certificate chain length'],
  ['tls.alpn', 'TLS ALPN'], ['ssl_version', 'SSL/TLS version'], ['ssl_state', 'SSL/TLS handshake state'],
  ['dns.opcode', 'DNS opcode'], ['dns.rcode', 'DNS rcode'], ['dns.rrtype', 'DNS record type'],
  ['dns.answer.name', 'DNS answer names'], ['dns.queries.rrname', 'DNS query names'],
  ['dns.answers.rrname', 'DNS answer names'], ['dns.authorities.rrname', 'DNS authority names'],
  ['dns.additionals.rrname', 'DNS additional names'], ['dns.response.rrname', 'DNS response names'],
  ['http.request_header', 'single HTTP request header'], ['http.response_header', 'single HTTP response header'],
  ['http_request_header', 'single HTTP request header'], ['http_response_header', 'single HTTP response header'],
  ['ssh_proto', 'SSH protocol'], ['ssh_software', 'SSH software'], ['ssh.protoversion', 'SSH protocol version'],
  ['ssh.softwareversion', 'SSH software version'],
  ['dce_iface', 'DCERPC interface'], ['dce_opnum', 'DCERPC opnum'], ['dce_stub_data', 'DCERPC stub data'],
  ['ftpbounce', 'FTP bounce'], ['ftpdata_command', 'FTP data command'],
  ['krb5_msg_type', 'Kerberos'], ['krb5_cname', 'Kerberos'], ['krb5_sname', 'Kerberos'], ['krb5_err_code', 'Kerberos'],
  ['modbus', 'Modbus'], ['dnp3_func', 'DNP3'], ['dnp3_ind', 'DNP3'], ['dnp3_obj', 'DNP3'], ['dnp3_data', 'DNP3'],
  ['enip_command', 'ENIP'], ['cip_service', 'CIP'], ['nfs_procedure', 'NFS'],
  ['asn1', 'ASN.1 decoding'], ['replace', 'payload rewriting'], ['bypass', 'flow bypass'],
  ['prefilter', 'explicit prefilter choice'], ['requires', 'engine version requirements'],
  ['config', 'per-rule engine configuration'], ['absent', 'buffer absence'], ['frame', 'app-layer frames'],
  ['rpc', 'RPC calls'], ['flow.age', 'flow age'], ['flow.pkts_toserver', 'flow packet counts'],
  ['flow.pkts_toclient', 'flow packet counts'], ['flow.bytes_toserver', 'flow byte counts'], ['flow.bytes_toclient', 'flow byte counts'],
  ['flow.pkts', 'flow packet counts'], ['flow.bytes', 'flow byte counts'], ['window', 'TCP window'], ['seq', 'TCP sequence number'], ['ack', 'TCP acknowledgement number'],
  ['tcp.mss', 'TCP MSS option'], ['tcp.hdr', 'raw TCP header'], ['tcp.flags', 'TCP flags (uint form)'],
  ['ipv4.hdr', 'raw IPv4 header'], ['ipv6.hdr', 'raw IPv6 header'], ['udp.hdr', 'raw UDP header'],
  ['icmpv4.hdr', 'raw ICMPv4 header'], ['icmpv6.hdr', 'raw ICMPv6 header'], ['icmpv6.mtu', 'ICMPv6 MTU'],
  ['tos', 'IP type of service'], ['id', 'IP identification'], ['fragoffset', 'IP fragment offset'],
  ['pkt_len', 'packet length'], ['vlan.id', 'VLAN id'], ['l3_proto', 'layer-3 protocol'],
  ['icmp_id_range', 'ICMP id'], ['stream_reassemble', 'stream reassembly control'],
  ['to_lowercase', 'transform'], ['to_uppercase', 'transform'], ['dotprefix', 'transform'],
  ['strip_whitespace', 'transform'], ['compress_whitespace', 'transform'], ['to_md5', 'transform'],
  ['to_sha1', 'transform'], ['to_sha256', 'transform'], ['pcrexform', 'transform'], ['url_decode', 'transform'],
  ['xor', 'transform'], ['header_lowercase', 'transform'], ['strip_pseudo_headers', 'transform'],
  ['from_base64', 'transform'], ['luaxform', 'transform'],
];

/** Namespaces of protocols fwctl has no parser for: any keyword under them is recognized. */
const PREFIXES = [
  'http2.', 'mqtt.', 'smb.', 'dcerpc.', 'krb5.', 'sip.', 'snmp.', 'ssh.', 'ike.', 'ikev2.', 'dhcp.', 'pgsql.',
  'ldap.', 'quic.', 'rfb.', 'modbus.', 'dnp3.', 'enip.', 'cip.', 'ftp.', 'smtp.', 'email.', 'websocket.',
  'nfs.', 'tftp.', 'rdp.', 'ntp.', 'ja3.', 'ja3s.', 'ja4.', 'pop3.', 'imap.', 'mdns.', 'doh2.', 'sdp.',
  'bittorrent-dht.', 'tcp.', 'ipv4.', 'ipv6.', 'udp.', 'icmpv4.', 'icmpv6.', 'sctp.', 'vlan.', 'arp.', 'ether.',
];

const table = new Map<string, UnsupportedKeyword>(
  NAMES.map(([name, what]) => [name, { role: 'unsupported', name, description: what }]),
);

export const unsupportedKeywords: UnsupportedKeyword[] = [...table.values()];

/** A recognized-but-unsupported keyword by exact name or protocol namespace. */
export function lookupUnsupported(name: string): UnsupportedKeyword | undefined {
  const exact = table.get(name);
  if (exact) return exact;
  const prefix = PREFIXES.find((p) => name.startsWith(p) && name.length > p.length);
  return prefix ? { role: 'unsupported', name, description: `${prefix.slice(0, -1)} keyword` } : undefined;
}
