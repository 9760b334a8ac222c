// Option-object validation for the façade's non-hot calls: zod schemas, strict (unknown keys are
// errors), failures thrown as TypeError naming the call.
import { z } from 'zod';

export function parseOptions<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  throw new TypeError(`${where}: invalid options\n${z.prettifyError(r.error)}`);
}

export const u32 = z.number().int().min(0).max(0xffff_ffff);
