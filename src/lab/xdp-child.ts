// Child process of the lab: attaches, detaches or queries a pinned datapath on interfaces of the
// network namespace it runs in. Run under `nsenter --net=/run/netns/NAME` (keeps /sys/fs/bpf
// visible). Prints one JSON array: per interface {ifname, ok, state, error?}.
//   node --import tsx src/lab/xdp-child.ts attach|detach|state <instance> native|generic <ifname>...
import { type AttachState, PinnedDatapath } from '../datapath/index.ts';

interface Result {
  ifname: string;
  ok: boolean;
  state: AttachState | null;
  error?: string;
}

const [cmd, instance, mode, ...ifnames] = process.argv.slice(2);
if (!['attach', 'detach', 'state'].includes(cmd) || !instance || (mode !== 'native' && mode !== 'generic') || ifnames.length === 0) {
  console.error('usage: xdp-child.ts attach|detach|state <instance> native|generic <ifname>...');
  process.exit(1);
}

const dp = PinnedDatapath.open(instance);
const results: Result[] = [];
try {
  for (const ifname of ifnames) {
    try {
      if (cmd === 'attach') dp.attach(ifname, mode);
      // Detach only our own program: another one on the interface is left alone (and reported).
      else if (cmd === 'detach' && dp.attachState(ifname).ours) dp.detach(ifname, mode);
      const state = dp.attachState(ifname);
      const ok = cmd === 'attach' ? state.ours && state.mode === mode : cmd === 'detach' ? !state.ours : true;
      results.push({ ifname, ok, state });
    } catch (e) {
      results.push({ ifname, ok: false, state: null, error: (e as Error).message });
    }
  }
} finally {
  dp.close();
}
console.log(JSON.stringify(results));
