/**
 * Known noise: message prefixes whose lines the classifiers answer with KNOWN whatever follows the
 * prefix (debug chatter that carries nothing for events or sessions). About half of the pppd/pptpd
 * lines of a server with `debug` on are such lines (GRE packet notes, control-packet chatter, pppd's
 * dumps of the packets it sends). The reader recognises them from the raw bytes (read/noise.ts) and
 * hands them on marked `known`, so the pipeline neither parses their text again nor classifies them:
 * it only counts them and moves its clock, exactly as it does for a KNOWN match.
 *
 * The contract is one-way: every line these rules take must be KNOWN to its classifier (tested with
 * random and hostile suffixes in test/logs/classify/noise.test.ts); lines they miss just take the
 * ordinary path. So a prefix belongs here only when the classifier decides KNOWN on that prefix alone,
 * before any pattern looks further into the line.
 */

export interface NoiseRule {
  /** The syslog tag, exactly (the classifier registry also maps other spellings: those take the ordinary path). */
  program: string;
  /**
   * pptp-linux's util.c macros put `anon LEVEL[function:file.c:line]: ` before every message: the
   * prefixes apply to the text after it (pptp-client.ts body()).
   */
  anonBody?: boolean;
  prefixes: readonly string[];
}

export const NOISE: readonly NoiseRule[] = [
  {
    // pptpd.ts: ctrl()'s chatter list, checked before anything else; gre()'s packet notes; mgr()'s
    // fork bookkeeping. "CTRL: " lines below are none of ctrl()'s named messages, so its final
    // `startsWith('CTRL: ')` answers them.
    program: 'pptpd',
    prefixes: [
      'GRE: accepting packet',
      'CTRL: I wrote ',
      'CTRL: Sent packet',
      'CTRL: Made a ',
      'CTRL: Received PPTP Control',
      'CTRL: Sending ECHO',
      'CTRL: Got a SET LINK',
      'CTRL: local address = ',
      'CTRL: pppd options file = ',
      'CTRL: Set parameters to ',
      'CTRL: pty_fd = ',
      'CTRL: tty_fd = ',
      'MGR: Launching ',
      'MGR: Reaped child',
    ],
  },
  {
    // pppd.ts debugDump(): a dump of a packet pppd sent, of a protocol other than CHAP/PAP/CCP (the
    // letter after "sent [" is not C or P) and not an LCP Configure-Request (a hint), is KNOWN.
    program: 'pppd',
    prefixes: [
      'sent [LCP EchoReq ',
      'sent [LCP EchoRep ',
      'sent [LCP ConfAck ',
      'sent [LCP ConfNak ',
      'sent [LCP ConfRej ',
      'sent [LCP TermReq ',
      'sent [LCP TermAck ',
      'sent [LCP ProtRej ',
      'sent [IPCP ',
      'sent [IPV6CP ',
    ],
  },
  {
    // pptp-client.ts: the chatter every pptp-linux client logs, after util.c's prefix.
    program: 'pptp',
    anonBody: true,
    prefixes: [
      'Sent control packet',
      'Buffered control packet',
      'Received ',
      'The synchronous pptp option',
      'Echo Re',
      'short read (-1): Input/output error',
    ],
  },
];
