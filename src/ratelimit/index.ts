// Rate limits and automatic blocks: the configuration (config.ts, zod), written into and read from
// a datapath's maps (maps.ts). See README.md and docs/ratelimit.md.
export {
  type ConfigInput, configSchema, type Detectors, EMPTY_CONFIG, type Limit, type LimitInput, limitSchema, loadConfigFile,
  parseConfig, parseDurationNs, parseLimit, type RateLimitConfig,
} from './config.ts';
export { RateLimitError, RL_CODES, type RlCode } from './errors.ts';
export {
  applyRateLimits, decodeLimit, encodeLimit, type LimitCounters, readAutoblockCounters, readLimitCounters, readRateLimits,
} from './maps.ts';
