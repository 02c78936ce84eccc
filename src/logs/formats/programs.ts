/**
 * Which programs' lines `analyze` reads at all. Everything else in a syslog (cron, kernel, sshd, ...)
 * is counted and skipped before it is even decoded: that is most of a real log, so this filter is
 * where reading speed comes from.
 *
 * Programs: pppd, poptop's pptpd and pptpctrl, pptp-linux's `pptp`, accel-ppp (`accel-pppd`),
 * NetworkManager's `nm-pptp-service`, router firmwares that log pppd as `pptp` or `ppp`, FreeRADIUS
 * (`radiusd`, `freeradius`) and pppd's radius plugin.
 */

/**
 * Byte strings at least one of which every relevant line contains (in its tag, or in journald's
 * SYSLOG_IDENTIFIER). `repeated` brings in sysklogd's `last message repeated N times`, which names
 * no program and is kept only when the line before it was kept.
 */
export const NEEDLES = ['ppp', 'pptp', 'radius', 'repeated'] as const;

export function isRelevantProgram(program: string | undefined): boolean {
  if (program === undefined) return false;
  const p = program.toLowerCase();
  return p.includes('ppp') || p.includes('pptp') || p.includes('radius');
}
