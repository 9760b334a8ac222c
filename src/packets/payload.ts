// Application bytes (or any raw bytes) at the end of, or inside, a packet.
import { type Bytes, type Layer, toBytes } from './layer.ts';

export function payloadLayer(data: Bytes): Layer {
  const bytes = toBytes(data);
  return { kind: 'payload', encode: (inner) => Buffer.concat([bytes, inner]) };
}
