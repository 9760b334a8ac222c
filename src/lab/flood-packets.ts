// The template SYN the flood generator rewrites (flood_gen.bpf.c): Ethernet + IPv4 + TCP with an
// MSS option, 58 bytes.
import { ether } from '../packets/index.ts';

export function synFrame(srcMac: string, dstMac: string, src: string, dst: string, dport: number): Buffer {
  const f = ether({ src: srcMac, dst: dstMac }).ipv4({ src, dst, ttl: 64 })
    .tcp({ sport: 1024, dport, flags: 'S', seq: 1, window: 64240, options: [{ kind: 'mss', value: 1460 }] }).build();
  if (f.length !== 58) throw new Error(`flood template is ${f.length} bytes, expected 58`);
  return f;
}
