/**
 * pptp-linux 1.x client (`pptp[pid]: anon log[func:file.c:line]: message`, also `anon warn[...]` and
 * `anon fatal[...]`, from util.c's log/warn/fatal macros). Texts from pptp-linux pptp.c,
 * pptp_callmgr.c, pptp_ctrl.c and pptp_gre.c (1.10). Router firmwares that run pppd under the `pptp`
 * tag are handled by falling back to the pppd classifier (pppdFallback).
 */
import { draft, KNOWN, type Classifier, type Match } from './types.js';

// pptp_ctrl.c: log("Outgoing call established (call ID %u, peer's call ID %u).\n", ...)
const CALL_UP = /^Outgoing call established \(call ID (\d+), peer's call ID (\d+)\)/;
// pptp_callmgr.c: log("Closing connection (%s)") with unhandled / shutdown / call state
const CLOSING = /^Closing connection \(([^)]*)\)/;

function body(m: string): { level: string; text: string } | undefined {
  // "anon log[main:pptp.c:353]: The synchronous ..." — the prefix is fixed by util.c's macros.
  if (!m.startsWith('anon ')) return undefined;
  const b = m.indexOf('[', 5);
  const e = m.indexOf(']: ', b);
  if (b < 0 || e < 0) return undefined;
  return { level: m.slice(5, b), text: m.slice(e + 3) };
}

export function classifyPptpClient(m: string): Match | undefined {
  const x = body(m);
  if (!x) return undefined;
  const t = x.text;
  if (t.startsWith('Client connection established')) return { events: [draft('pptp.ctrl.open', {})] };
  if (t.startsWith('Outgoing call established')) {
    const r = CALL_UP.exec(t);
    return { events: [draft('pptp.call.open', { callId: Number(r?.[1]), peerCallId: Number(r?.[2]) })] };
  }
  if (t.startsWith('Closing connection')) {
    const r = CLOSING.exec(t);
    return { events: [draft('pptp.ctrl.close', { reason: r?.[1] ?? t })] };
  }
  if (t.startsWith('read returned zero, peer has closed'))
    return { events: [draft('pptp.ctrl.close', { reason: 'peer closed' })] };
  if (
    t.startsWith('Sent control packet') ||
    t.startsWith('Buffered control packet') ||
    t.startsWith('Received ') ||
    t.startsWith('The synchronous pptp option') ||
    t.startsWith('Echo Re') ||
    t.startsWith('buffering packet') ||
    t.startsWith('discarding') ||
    t.startsWith('timeout waiting') ||
    t.startsWith('pppd may have shutdown') ||
    t.startsWith('short read (-1): Input/output error')
  )
    // Debug chatter, and the short read every client logs when its pppd goes away (pptp_gre.c).
    return KNOWN;
  if (/Message too long/.test(t))
    return { events: [draft('pptp.gre.error', { message: t, errno: 'EMSGSIZE' }, 'warning')] };
  if (
    t.startsWith('Result code is') ||
    t.startsWith('Reply result code is') ||
    t.startsWith('Error is ') ||
    t.includes('has not been accepted') ||
    t.startsWith('Could not') ||
    t.startsWith('connect:') ||
    x.level === 'fatal'
  )
    // pptp_ctrl.c ctrlp_error(), pptp_callmgr.c / pptp.c connection failures.
    return { events: [draft('pptp.ctrl.error', { message: t }, x.level === 'log' ? 'info' : 'warning')] };
  if (x.level === 'warn') return { events: [draft('pptp.ctrl.error', { message: t }, 'warning')] };
  return undefined;
}

export const pptpClient: Classifier = {
  name: 'pptp-linux',
  programs: ['pptp'],
  pppdFallback: true,
  classify: (message) => classifyPptpClient(message),
};
