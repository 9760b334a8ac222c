// Where scripts/build-bpf.sh puts bench/live/live_gen.bpf.c.
import { fileURLToPath } from 'node:url';

export const GEN_OBJECT = fileURLToPath(new URL('../../build/bpf/live_gen.bpf.o', import.meta.url));
