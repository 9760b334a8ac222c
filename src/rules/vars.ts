// Rule variables ($HOME_NET, $HTTP_PORTS, ...): Suricata's address-groups and port-groups, with
// the defaults of Suricata's shipped suricata.yaml so that ET Open loads with no configuration.
// Later sources override earlier ones: defaults < vars files < --var.
import { z } from 'zod';
import { closest } from './suggest.ts';
import { parseAddress, parsePort } from './syntax/addrport.ts';

export interface VarConfig {
  addressGroups: Record<string, string>;
  portGroups: Record<string, string>;
}

export const DEFAULT_VARS: VarConfig = {
  addressGroups: {
    HOME_NET: '[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]',
    EXTERNAL_NET: '!$HOME_NET',
    HTTP_SERVERS: '$HOME_NET',
    SMTP_SERVERS: '$HOME_NET',
    SQL_SERVERS: '$HOME_NET',
    DNS_SERVERS: '$HOME_NET',
    TELNET_SERVERS: '$HOME_NET',
    AIM_SERVERS: '$EXTERNAL_NET',
    DC_SERVERS: '$HOME_NET',
    DNP3_SERVER: '$HOME_NET',
    DNP3_CLIENT: '$HOME_NET',
    MODBUS_CLIENT: '$HOME_NET',
    MODBUS_SERVER: '$HOME_NET',
    ENIP_CLIENT: '$HOME_NET',
    ENIP_SERVER: '$HOME_NET',
  },
  portGroups: {
    HTTP_PORTS: '80',
    SHELLCODE_PORTS: '!80',
    ORACLE_PORTS: '1521',
    SSH_PORTS: '22',
    DNP3_PORTS: '20000',
    MODBUS_PORTS: '502',
    FILE_DATA_PORTS: '[$HTTP_PORTS,110,143]',
    FTP_PORTS: '21',
    GENEVE_PORTS: '6081',
    VXLAN_PORTS: '4789',
    TEREDO_PORTS: '3544',
    SIP_PORTS: '[5060, 5061]',
  },
};

export function emptyVars(): VarConfig {
  return { addressGroups: {}, portGroups: {} };
}

/** Layers configurations; later ones win per variable. */
export function mergeVars(...layers: Array<Partial<VarConfig> | undefined>): VarConfig {
  const out = emptyVars();
  for (const l of layers) {
    if (!l) continue;
    Object.assign(out.addressGroups, l.addressGroups ?? {});
    Object.assign(out.portGroups, l.portGroups ?? {});
  }
  return out;
}

/** A problem with a vars file or a --var assignment (not a rule diagnostic: there is no rule position). */
export class VarConfigError extends Error {
  readonly code = 'E_VARS';
  constructor(message: string) {
    super(message);
    this.name = 'VarConfigError';
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const group = z.record(z.string().regex(NAME, 'variable names are letters, digits and _'), z.union([z.string(), z.number().int()]).transform(String));

/** The vars.json shape of the conformance cases (and Suricata's YAML `vars:` section as JSON). */
export const VarsFileSchema = z
  .object({
    'address-groups': group.optional(),
    'port-groups': group.optional(),
  })
  .strict();

/** Parses a vars file's JSON text. */
export function parseVarsJson(text: string, where = 'vars file'): VarConfig {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new VarConfigError(`${where}: not valid JSON: ${(e as Error).message}`);
  }
  // Accept Suricata's layout too: {"vars": {"address-groups": ..., "port-groups": ...}}.
  if (data && typeof data === 'object' && 'vars' in data && Object.keys(data).length === 1) data = (data as { vars: unknown }).vars;
  const r = VarsFileSchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue.path.join('.');
    let hint = '';
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0];
      const near = closest(key, ['address-groups', 'port-groups']);
      hint = near ? ` (did you mean "${near}"?)` : '';
      throw new VarConfigError(`${where}: unknown key "${key}"; expected "address-groups" and "port-groups"${hint}`);
    }
    throw new VarConfigError(`${where}: ${path ? `${path}: ` : ''}${issue.message}`);
  }
  return { addressGroups: r.data['address-groups'] ?? {}, portGroups: r.data['port-groups'] ?? {} };
}

/**
 * Parses `--var NAME=VALUE` assignments. A name may carry its group (`address-groups.X=`,
 * `port-groups.X=`, Suricata's `vars.port-groups.X=`); otherwise known port variables and names
 * ending in _PORT(S) are ports, and a value that parses only as ports is a port group.
 */
export function parseVarAssignments(assignments: string[]): VarConfig {
  const out = emptyVars();
  for (const a of assignments) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new VarConfigError(`--var "${a}": expected NAME=VALUE`);
    let name = a.slice(0, eq).trim().replace(/^\$/, '').replace(/^vars\./, '');
    const value = a.slice(eq + 1).trim();
    let kind: 'address' | 'port' | undefined;
    if (name.startsWith('address-groups.')) {
      kind = 'address';
      name = name.slice('address-groups.'.length);
    } else if (name.startsWith('port-groups.')) {
      kind = 'port';
      name = name.slice('port-groups.'.length);
    }
    if (!NAME.test(name)) throw new VarConfigError(`--var "${a}": "${name}" is not a variable name`);
    if (value === '') throw new VarConfigError(`--var "${a}": empty value`);
    if (!kind) {
      if (name in DEFAULT_VARS.portGroups || /_PORTS?$/.test(name)) kind = 'port';
      else if (name in DEFAULT_VARS.addressGroups) kind = 'address';
      else kind = !parseAddress(value).node && parsePort(value).node ? 'port' : 'address';
    }
    (kind === 'port' ? out.portGroups : out.addressGroups)[name] = value;
  }
  return out;
}
