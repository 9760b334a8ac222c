// Diagnostics as text, the way compilers print them:
//   rules/local.rules:3:42: error E_UNKNOWN_KEYWORD: unknown keyword "contnet"; did you mean "content"?
//     alert tcp any any -> any any (msg:"x"; contnet:"abc"; sid:1;)
//                                            ^~~~~~~
import type { Diagnostic } from './diagnostics.ts';

export function formatDiagnostic(d: Diagnostic): string {
  const head = `${d.file}:${d.line}:${d.col}: ${d.severity} ${d.code}: ${d.message}`;
  // Tabs would shift the caret; show them as single spaces.
  const text = d.lineText.replace(/\t/g, ' ');
  const caret = ' '.repeat(d.col - 1) + '^' + '~'.repeat(Math.max(0, d.length - 1));
  return `${head}\n  ${text}\n  ${caret}`;
}
