// Sticky buffers (`http.uri; content:"x";`) and the legacy content modifiers that put the content
// before them into the same buffers (`content:"x"; http_uri;`). Old underscore spellings of sticky
// buffers (file_data, dns_query, tls_sni, ...) are aliases, as in Suricata's sigmatch_table.
import type { BufferName } from '../ir.ts';
import { legacy, sticky, type LegacyBufferKeyword, type StickyKeyword } from './types.ts';

const STICKY: Array<[string, BufferName, string, string[]]> = [
  ['pkt_data', 'payload', 'inspect the packet payload / stream again (reset the sticky buffer)', []],
  ['http.uri', 'http.uri', 'the normalized HTTP request URI', []],
  ['http.uri.raw', 'http.uri.raw', 'the HTTP request URI as sent', []],
  ['http.method', 'http.method', 'the HTTP request method', []],
  ['http.host', 'http.host', 'the normalized (lowercase) Host header value', []],
  ['http.host.raw', 'http.host.raw', 'the Host header value as sent', []],
  ['http.user_agent', 'http.user_agent', 'the User-Agent header value', []],
  ['http.header', 'http.header', 'the normalized HTTP headers (request or response)', []],
  ['http.header.raw', 'http.header.raw', 'the HTTP headers as sent', []],
  ['http.header_names', 'http.header_names', 'the HTTP header names, each followed by CRLF', ['http_header_names']],
  ['http.cookie', 'http.cookie', 'the Cookie / Set-Cookie header value', []],
  ['http.request_line', 'http.request_line', 'the whole HTTP request line', ['http_request_line']],
  ['http.request_body', 'http.request_body', 'the HTTP request body (dechunked, decompressed)', []],
  ['http.response_body', 'http.response_body', 'the HTTP response body (dechunked, decompressed)', []],
  ['http.stat_code', 'http.stat_code', 'the HTTP response status code', []],
  ['http.stat_msg', 'http.stat_msg', 'the HTTP response status message', []],
  ['http.response_line', 'http.response_line', 'the whole HTTP response line', ['http_response_line']],
  ['http.content_type', 'http.content_type', 'the Content-Type header value', ['http_content_type']],
  ['http.content_len', 'http.content_len', 'the Content-Length header value', ['http_content_len']],
  ['http.referer', 'http.referer', 'the Referer header value', ['http_referer']],
  ['http.accept', 'http.accept', 'the Accept header value', ['http_accept']],
  ['http.accept_enc', 'http.accept_enc', 'the Accept-Encoding header value', ['http_accept_enc']],
  ['http.accept_lang', 'http.accept_lang', 'the Accept-Language header value', ['http_accept_lang']],
  ['http.connection', 'http.connection', 'the Connection header value', ['http_connection']],
  ['http.server', 'http.server', 'the Server header value', ['http_server']],
  ['http.location', 'http.location', 'the Location header value', ['http_location']],
  ['http.protocol', 'http.protocol', 'the HTTP protocol version string', ['http_protocol']],
  ['http.start', 'http.start', 'the request or response line plus headers', ['http_start']],
  ['file.data', 'file.data', 'the file content carried by HTTP (response or upload body)', ['file_data']],
  ['dns.query', 'dns.query', 'the DNS query name', ['dns_query']],
  ['tls.sni', 'tls.sni', 'the TLS ClientHello server name', ['tls_sni']],
  ['tls.cert_subject', 'tls.cert_subject', 'the subject of the server certificate', ['tls_cert_subject']],
  ['tls.cert_issuer', 'tls.cert_issuer', 'the issuer of the server certificate', ['tls_cert_issuer']],
  ['tls.cert_serial', 'tls.cert_serial', 'the serial number of the server certificate', ['tls_cert_serial']],
  ['tls.cert_fingerprint', 'tls.cert_fingerprint', 'the SHA-1 fingerprint of the server certificate', ['tls_cert_fingerprint']],
  ['tls.certs', 'tls.certs', 'each certificate of the server chain (DER)', []],
];

export const stickyBuffers: StickyKeyword[] = STICKY.map(([name, buffer, desc, aliases]) => sticky(name, buffer, desc, aliases));

export const legacyModifiers: LegacyBufferKeyword[] = [
  legacy('http_uri', 'http.uri'),
  legacy('http_raw_uri', 'http.uri.raw'),
  legacy('http_method', 'http.method'),
  legacy('http_host', 'http.host'),
  legacy('http_raw_host', 'http.host.raw'),
  legacy('http_user_agent', 'http.user_agent'),
  legacy('http_header', 'http.header'),
  legacy('http_raw_header', 'http.header.raw'),
  legacy('http_cookie', 'http.cookie'),
  legacy('http_client_body', 'http.request_body'),
  legacy('http_server_body', 'http.response_body'),
  legacy('http_stat_code', 'http.stat_code'),
  legacy('http_stat_msg', 'http.stat_msg'),
];
