// Child helper of test/live.test.ts: attaches/detaches a pinned datapath from inside another network
// namespace (run under `nsenter --net=/run/netns/NAME`, which keeps /sys/fs/bpf visible; `ip netns
// exec` would remount /sys and hide the pins). Prints the attach state as JSON.
//   node --import tsx test/live-xdpctl.ts attach|detach|state <instance> <ifname> [native|generic]
import { PinnedDatapath } from '../src/datapath/index.ts';

const [cmd, instance, ifname, mode = 'native'] = process.argv.slice(2);
if (!instance || !ifname || (mode !== 'native' && mode !== 'generic')) {
  console.error('usage: live-xdpctl.ts attach|detach|state <instance> <ifname> [native|generic]');
  process.exit(1);
}
const dp = PinnedDatapath.open(instance);
try {
  if (cmd === 'attach') dp.attach(ifname, mode);
  else if (cmd === 'detach') dp.detach(ifname, mode);
  else if (cmd !== 'state') throw new Error(`unknown command ${cmd}`);
  console.log(JSON.stringify(dp.attachState(ifname)));
} finally {
  dp.close();
}
