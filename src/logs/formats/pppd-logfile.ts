/**
 * pppd's `logfile` option writes bare messages with no time, host or tag (pppd/utils.c, logit():
 * the message text plus a newline). In a file named for ppp every text line is such a message; in any
 * other file a bare line is taken for pppd only when it starts like one of pppd's own messages.
 * The openings below are the first words of messages in pppd 2.4.7-2.5.x (main.c, auth.c, lcp.c,
 * ipcp.c, ccp.c, chap-new.c, upap.c, sys-linux.c, plugins/radius, plugins/pppol2tp) and of the
 * packet dumps `debug` adds (`sent [`/`rcvd [`, fsm.c/main.c dump_packet()).
 */
const OPENINGS = [
  'sent [',
  'rcvd [',
  'pppd ',
  'Using interface ',
  'using channel ',
  'Connect: ',
  'Connect time ',
  'Sent ',
  'Modem hangup',
  'Connection terminated',
  'LCP terminated',
  'LCP: timeout',
  'LCP ',
  'IPCP: ',
  'CCP: ',
  'CHAP ',
  'PAP ',
  'MS-CHAP',
  'MPPE ',
  'local  IP address',
  'remote IP address',
  'local  LL address',
  'remote LL address',
  'primary   DNS',
  'secondary DNS',
  'peer from calling number',
  'No CHAP secret',
  'No secret found',
  'No response to ',
  'Peer ',
  'Terminating on signal',
  'Terminating connection',
  'Exit.',
  'Hangup (SIGHUP)',
  'Serial link ',
  'Script ',
  'Plugin ',
  'Remote message: ',
  'Unsupported protocol ',
  'Protocol-Reject ',
  'Authentication failed',
  "Couldn't ",
  'Cannot ',
  "Can't ",
  'Failed to ',
  'Unable to ',
  'unrecognized option',
  'In file ',
  'The remote system is required to authenticate',
  'Fatal signal',
  'Child process ',
  'kernel does not support',
  'added response cache',
  'response found in cache',
  'rc_',
  'RADIUS',
  'Overriding mtu',
  'not replacing',
  'Deflate',
  'BSD-Compress',
  'ioctl(',
  'read(',
  'write(',
];

const FIRST = new Set(OPENINGS.map((o) => o.charCodeAt(0)));

export function looksLikePppdMessage(s: string): boolean {
  if (!FIRST.has(s.charCodeAt(0))) return false;
  for (const o of OPENINGS) if (s.startsWith(o)) return true;
  return false;
}
