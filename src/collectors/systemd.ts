/**
 * systemd's view of the pptpd unit, for the processes collector: `systemctl show UNIT -p A,B,...`
 * prints one `Key=Value` line per property (systemctl(1) "show"; the order is systemd's, not the
 * order asked for, so the output is parsed by key, never by position).
 */

/** The properties the collector asks for. */
export const UNIT_PROPERTIES = ['LoadState', 'ActiveState', 'SubState', 'NRestarts', 'ExecMainStatus'];

export interface UnitState {
  /** `loaded`, or `not-found` for a unit systemd does not know (NRestarts is then a meaningless 0). */
  loadState?: string;
  activeState?: string;
  subState?: string;
  /** Restarts by `Restart=` since the unit was last started by hand (systemd >= 235). */
  nRestarts?: number;
  /** Exit status (or signal number) of the last main process. */
  execMainStatus?: number;
}

/** `Key=Value` lines -> map; values may contain `=`; blank and malformed lines are ignored. */
export function parseSystemctlShow(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return out;
}

const num = (v: string | undefined): number | undefined => {
  if (v === undefined || !/^\d+$/.test(v)) return undefined; // "[not set]" on old systemd, empty
  return Number(v);
};

export function unitState(text: string): UnitState {
  const p = parseSystemctlShow(text);
  return {
    loadState: p.get('LoadState'),
    activeState: p.get('ActiveState'),
    subState: p.get('SubState'),
    nRestarts: num(p.get('NRestarts')),
    execMainStatus: num(p.get('ExecMainStatus')),
  };
}
