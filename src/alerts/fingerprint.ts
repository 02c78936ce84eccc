/** Alert identity: the same rule with the same labels is the same alert (dedup across evaluations). */
import { createHash } from 'node:crypto';

export function fingerprint(labels: Readonly<Record<string, string>>): string {
  const h = createHash('sha256');
  for (const k of Object.keys(labels).sort()) h.update(`${k}\u0000${labels[k] ?? ''}\u0001`);
  return h.digest('hex').slice(0, 16);
}
