// Live alerts: an EventConsumer whose records become EVE lines as the event loop delivers them,
// stamped with wall-clock time and the ingress interface's name.
import type { BpfMap } from '../native/index.ts';
import { monotonicToWallOffsetNs } from './clock.ts';
import { EventConsumer } from './consumer.ts';
import type { FwEvent } from './decode.ts';
import { type EveOptions, formatEveAlert } from './eve.ts';
import { formatEveBlock } from './eve-block.ts';
import { IfaceNames } from './iface.ts';
import type { RuleTable } from './rules.ts';

export interface LiveEveOptions extends Omit<EveOptions, 'pcapCnt' | 'inIface' | 'tsOffsetNs'> {
  /** Called for records that are neither alerts nor blocks (types reserved for later); default: ignored. */
  onOther?: (e: FwEvent) => void;
  /** Automatic blocks (scan, flood, rate limit) as EVE-style `block` lines too (default true). */
  blocks?: boolean;
}

/**
 * Starts consuming `map` (fw_events of the attached program): each alert becomes one EVE JSON
 * line passed to `onLine`. The returned consumer keeps the process alive until close().
 */
export function liveEveAlerts(map: BpfMap, rules: RuleTable, onLine: (line: string) => void,
  o: LiveEveOptions = {}): EventConsumer {
  const { onOther, blocks = true, ...eve } = o;
  const tsOffsetNs = monotonicToWallOffsetNs();
  const ifaces = new IfaceNames();
  return new EventConsumer(map, (e) => {
    if (e.type === 'block' && blocks) {
      onLine(formatEveBlock(e, { ...eve, tsOffsetNs }));
      return;
    }
    if (e.type !== 'alert') {
      onOther?.(e);
      return;
    }
    onLine(formatEveAlert(e, rules, { ...eve, tsOffsetNs, inIface: ifaces.name(e.ifindex) }));
  });
}
