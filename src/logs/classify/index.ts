/**
 * The classifier registry: one file per program family, registered in CLASSIFIERS. Dispatch is a map
 * lookup on the record's program tag, so the hot path never tries the patterns of other programs.
 */
import type { LogRecord } from '../record.js';
import { accelPpp } from './accel-ppp.js';
import { freeradius } from './freeradius.js';
import { networkManager, nmPptp } from './networkmanager.js';
import { pppd } from './pppd.js';
import { pptpClient } from './pptp-client.js';
import { pptpd } from './pptpd.js';
import type { Classifier, Match } from './types.js';
import { xl2tpd } from './xl2tpd.js';

export const CLASSIFIERS: readonly Classifier[] = [
  pppd,
  pptpd,
  pptpClient,
  freeradius,
  accelPpp,
  nmPptp,
  networkManager,
  xl2tpd,
];

const BY_PROGRAM = new Map<string, Classifier>();
for (const c of CLASSIFIERS) for (const p of c.programs) BY_PROGRAM.set(p, c);

/** Which correlation a record feeds: pppd sessions, pptpd control links, or events only. */
export type Family = 'pppd' | 'pptpd' | 'keyed' | 'other';

/** The classifier responsible for a record's program tag, if any (program tags compare lower-case). */
export function classifierFor(program: string | undefined): Classifier | undefined {
  if (program === undefined) return undefined;
  return BY_PROGRAM.get(program) ?? BY_PROGRAM.get(program.toLowerCase());
}

export function classifyRecord(rec: LogRecord): { family?: Family; match?: Match } {
  // pppd `logfile` output has no tag: every line is pppd's.
  const classifier =
    classifierFor(rec.program) ??
    (rec.program === undefined && rec.format === 'pppd-logfile' ? pppd : undefined);
  if (!classifier) return {};
  const match = classifier.classify(rec.message, rec);
  if (classifier === pppd) return { family: 'pppd', match };
  if (classifier === pptpd) return { family: 'pptpd', match };
  // accel-ppp: pppd-style sessions, but keyed by what the line names (interface), never by pid.
  if (classifier.family === 'pppd') return { family: 'keyed', match };
  if (match === undefined && classifier.pppdFallback === true) {
    // Router firmwares log pppd under another tag (e.g. `pptp[`): if it reads as pppd, it is pppd.
    const asPppd = pppd.classify(rec.message, rec);
    if (asPppd !== undefined) return { family: 'pppd', match: asPppd };
  }
  return { family: 'other', match };
}

export * from './types.js';
export { messageTemplate } from './template.js';
