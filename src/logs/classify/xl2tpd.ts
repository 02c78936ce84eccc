/**
 * xl2tpd, only for what tells pppd sessions apart from PPTP: control.c logs
 * "Call established with %s, PID: %d, Local: %d, Remote: %d, Serial: %d" when it has started pppd for
 * an L2TP call (the pty looks just like pptpd's). That pid's session is L2TP, never counted as PPTP.
 * Everything else xl2tpd says is outside pptpmon's scope (known, not "unclassified").
 */
import { KNOWN, type Classifier, type Match } from './types.js';

const CALL = /^Call established with ([^,\s]+), PID: (\d+)/;

export function classifyXl2tpd(m: string): Match {
  const r = m.startsWith('Call established with ') ? CALL.exec(m) : null;
  if (!r) return KNOWN;
  return {
    forPid: Number(r[2]),
    hints: [
      { h: 'transport', transport: 'l2tp' },
      { h: 'peer', peer: r[1] ?? '' },
    ],
    evidence: true,
  };
}

export const xl2tpd: Classifier = {
  name: 'xl2tpd',
  programs: ['xl2tpd'],
  family: 'pppd',
  classify: (message) => classifyXl2tpd(message),
};
