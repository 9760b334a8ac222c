// What an instance keeps in its state directory (files.ts), each file with its schema:
//   instance.json        who made what (pins, attachments), the management access, the load serial
//   gen-<0|1>.json       the rule metadata of one ruleset generation (EVE, stats, status, trace)
//   gen-<0|1>.rules.json the exact rule text and variables that generation was compiled from
//   confirm.json         a pending `--confirm`: deadline, watchdog pid, the generation to return to
//   rollback.json        the last rollback: when, by whom, from which generation to which
//   watchdog.armed       the token of the confirm window a running watchdog watches
//   watchdog.log         what the watchdogs did
//   lock                 one writer at a time (lock.ts)
// A generation's files are written before its flip and are never shared between generations, so
// a rollback finds the metadata of the ruleset it returns to.
import { join } from 'node:path';
import { z } from 'zod';

export const Mgmt = z.strictObject({
  /** Source prefixes the management access comes from ('0.0.0.0/0' and '::/0' = anywhere). */
  from: z.array(z.string()).min(1),
  /** The box's management port (TCP). */
  port: z.number().int().min(1).max(65535),
  /** The box's management addresses; empty = every address of the instance's interfaces. */
  to: z.array(z.string()),
});
export type Mgmt = z.infer<typeof Mgmt>;

/** Management access when none was configured: SSH (22) from anywhere to the box. */
export const DEFAULT_MGMT: Mgmt = { from: ['0.0.0.0/0', '::/0'], port: 22, to: [] };

export const IfaceState = z.strictObject({
  name: z.string(),
  ifindex: z.number().int(),
  mode: z.enum(['native', 'generic']),
  /** Inode of the network namespace the interface was attached in (/proc/self/ns/net). */
  netns: z.string(),
  attachedAt: z.string(),
});
export type IfaceState = z.infer<typeof IfaceState>;

export const InstanceState = z.strictObject({
  version: z.literal(1),
  instance: z.string(),
  createdAt: z.string(),
  /** The pins were made by `fwctl load`; `unload` removes them. False: someone else pinned the
   *  instance (a test, the lab), and unload only clears the ruleset it loaded. */
  pinnedByLoad: z.boolean(),
  /** Loads so far: the tag of the next generation is loads + 1. */
  loads: z.number().int().min(0),
  interfaces: z.array(IfaceState),
  mgmt: Mgmt,
});
export type InstanceState = z.infer<typeof InstanceState>;

export const RuleInfo = z.strictObject({
  /** IR Rule.id: the index fw_event.rule_idx and the rule counters carry. */
  id: z.number().int(),
  sid: z.number().int(),
  gid: z.number().int(),
  rev: z.number().int(),
  msg: z.string(),
  classtype: z.string().optional(),
  priority: z.number().int(),
  action: z.string(),
  /** pass, drop, reject, alert, or flag (the XDP half only marks the flow for DPI). */
  band: z.string(),
  file: z.string(),
  line: z.number().int(),
});
export type RuleInfo = z.infer<typeof RuleInfo>;

export const GenRef = z.strictObject({ index: z.union([z.literal(0), z.literal(1)]), tag: z.number().int() });
export type GenRef = z.infer<typeof GenRef>;

/** An action order: pass, drop, reject and alert, each once. */
const ActionOrderSchema = z.array(z.enum(['pass', 'drop', 'reject', 'alert'])).length(4)
  .refine((o) => new Set(o).size === 4, 'each action once');

export const GenerationMeta = z.strictObject({
  version: z.literal(1),
  index: z.union([z.literal(0), z.literal(1)]),
  tag: z.number().int(),
  loadedAt: z.string(),
  /** The rule files as given, with their sha256. */
  files: z.array(z.strictObject({ path: z.string(), sha256: z.string(), bytes: z.number().int() })),
  /** sha256 of the rule text, variables and strictness together (gen-N.rules.json holds them). */
  hash: z.string(),
  strict: z.boolean(),
  /** The lockout check was overridden with --force. */
  forced: z.boolean(),
  /** --action-scope (src/rules/action-scope.ts); absent in generations written before it: flow. */
  actionScope: z.enum(['flow', 'suricata']).optional(),
  /** --action-order (src/rules/action-order.ts); absent in generations written before it: the default. */
  actionOrder: ActionOrderSchema.optional(),
  summary: z.strictObject({ total: z.number(), loaded: z.number(), skipped: z.number(), invalid: z.number(), errors: z.number(), warnings: z.number() }),
  /** Loaded rules by action (alert, drop, pass, reject, ...), and by band under `flag` for payload rules. */
  byAction: z.record(z.string(), z.number()),
  rules: z.array(RuleInfo),
});
export type GenerationMeta = z.infer<typeof GenerationMeta>;

export const VarConfigSchema = z.strictObject({
  addressGroups: z.record(z.string(), z.string()),
  portGroups: z.record(z.string(), z.string()),
});

export const GenerationSources = z.strictObject({
  version: z.literal(1),
  hash: z.string(),
  strict: z.boolean(),
  vars: VarConfigSchema,
  sources: z.array(z.strictObject({ file: z.string(), text: z.string() })),
  /** The threshold.config the generation was compiled with (--threshold-config). */
  thresholdConfig: z.strictObject({ file: z.string(), text: z.string() }).optional(),
  /** --action-scope, when not the default flow. */
  actionScope: z.enum(['flow', 'suricata']).optional(),
  /** --action-order, when not the default. */
  actionOrder: ActionOrderSchema.optional(),
});
export type GenerationSources = z.infer<typeof GenerationSources>;

export const ConfirmState = z.strictObject({
  version: z.literal(1),
  /** Names this confirm window; the watchdog and `confirm` check it. */
  token: z.string(),
  createdAt: z.string(),
  seconds: z.number(),
  /** Wall-clock ms: without a confirm by then, the watchdog rolls back. */
  deadline: z.number(),
  /** The generation the load made active (rolled back only while it still is). */
  guarded: GenRef,
  /** The generation to return to; null: the instance had no ruleset before (return to none). */
  previous: GenRef.nullable(),
  /** The watchdog process (pid and /proc start time), 0 until it started. */
  pid: z.number().int(),
  startTime: z.string(),
});
export type ConfirmState = z.infer<typeof ConfirmState>;

export const RollbackRecord = z.strictObject({
  version: z.literal(1),
  at: z.string(),
  by: z.enum(['fwctl rollback', 'confirm timeout', 'watchdog signal']),
  /** null: no ruleset was active (rolling forward to the idle generation after a clear). */
  from: GenRef.nullable(),
  to: GenRef.nullable(),
  /** The confirm window this rollback ended, if any. */
  token: z.string().optional(),
});
export type RollbackRecord = z.infer<typeof RollbackRecord>;

export const files = {
  instance: (dir: string) => join(dir, 'instance.json'),
  gen: (dir: string, index: 0 | 1) => join(dir, `gen-${index}.json`),
  genRules: (dir: string, index: 0 | 1) => join(dir, `gen-${index}.rules.json`),
  confirm: (dir: string) => join(dir, 'confirm.json'),
  rollback: (dir: string) => join(dir, 'rollback.json'),
  lock: (dir: string) => join(dir, 'lock'),
  watchdogLog: (dir: string) => join(dir, 'watchdog.log'),
  /** The watchdog writes its token here once it watches: the load waits for it. */
  watchdogArmed: (dir: string) => join(dir, 'watchdog.armed'),
};
