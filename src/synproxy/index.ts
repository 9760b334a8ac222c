// SYN-flood defence, the operator's side: protected services in the XDP map (bpf/lib/syncookie.h)
// and the netfilter SYNPROXY table behind them. See README.md.
import type { DatapathHandle } from '../datapath/index.ts';
import { SynproxyError } from './errors.ts';
import { serviceAdd, serviceDel, serviceList } from './maps.ts';
import { applyTable, tableExists } from './nft.ts';
import { type Service, type ServiceAddr, type SettingsInput, checkSettings, formatService } from './service.ts';
import { sysctlProblems } from './sysctl.ts';

export { SP_CODES, SynproxyError, type SpCode } from './errors.ts';
export { openScMaps, readScStats, serviceAdd, serviceDel, serviceList, type ScMaps, type ScStats } from './maps.ts';
export { applyTable, listTable, renderScript, tableExists, tableName } from './nft.ts';
export {
  checkSettings, decodeKey, decodeValue, encodeKey, encodeValue, formatService, parseService, settingsSchema,
  type Service, type ServiceAddr, type ServiceState, type Settings, type SettingsInput,
} from './service.ts';
export { applySysctls, readSysctl, SYNPROXY_SYSCTLS, sysctlProblems } from './sysctl.ts';

/** Adds (or updates) a service: the map entry, then the nft table with every service of the map.
 *  Refuses while nf_conntrack_tcp_loose is on (E_SP_SYSCTL): SYNPROXY would never see the ACK. */
export function protect(dp: DatapathHandle, instance: string, s: ServiceAddr, input: SettingsInput = {}):
    { created: boolean; service: Service } {
  const settings = checkSettings(input, s.family);
  const bad = sysctlProblems();
  if ('net/netfilter/nf_conntrack_tcp_loose' in bad) {
    throw new SynproxyError('E_SP_SYSCTL', `net.netfilter.nf_conntrack_tcp_loose is ${bad['net/netfilter/nf_conntrack_tcp_loose']}, SYNPROXY needs 0`);
  }
  const created = serviceAdd(dp, s, settings);
  try {
    applyTable(instance, serviceList(dp));
  } catch (e) {
    if (created) serviceDel(dp, s);
    throw e;
  }
  const service = serviceList(dp).find((x) => formatService(x) === formatService(s));
  if (!service) throw new Error(`synproxy: ${formatService(s)} vanished after it was added`);
  return { created, service };
}

/** Removes a service from the map and the nft table (the table goes with the last service). */
export function unprotect(dp: DatapathHandle, instance: string, s: ServiceAddr): void {
  if (!serviceDel(dp, s)) throw new SynproxyError('E_SP_NOT_PROTECTED', `${formatService(s)} is not protected`);
  applyTable(instance, serviceList(dp));
}

/** Removes every service and the instance's table (unload, tests). */
export function unprotectAll(dp: DatapathHandle, instance: string): number {
  const all = serviceList(dp);
  for (const s of all) serviceDel(dp, s);
  applyTable(instance, []);
  return all.length;
}

/** What `fwctl unload` calls: no service left in the map (when the instance has the maps) and the
 *  instance's table gone from this namespace. Does nothing, and runs no nft, when neither exists. */
export function removeSynproxy(dp: DatapathHandle, instance: string): number {
  let services = 0;
  try {
    const all = serviceList(dp);
    for (const s of all) serviceDel(dp, s);
    services = all.length;
  } catch (e) {
    if (!(e instanceof SynproxyError && e.code === 'E_SP_MAPS_MISSING')) throw e;
  }
  if (services > 0 || tableExists(instance)) applyTable(instance, []);
  return services;
}
