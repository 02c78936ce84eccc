/**
 * Message variants across versions and paths that the corpus does not carry line by line: each row is
 * a message as the program prints it (source in the classifier's comments) and what it must mean.
 * Table-driven so that adding a variant is adding a row.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyPppd } from '../../../src/logs/classify/pppd.js';
import { classifyPptpd } from '../../../src/logs/classify/pptpd.js';
import { classifyPptpClient } from '../../../src/logs/classify/pptp-client.js';
import type { Match } from '../../../src/logs/classify/types.js';

interface Row {
  msg: string;
  kind?: string;
  attrs?: Record<string, unknown>;
  cause?: string;
  hint?: Record<string, unknown>;
  /** Known, but neither event nor cause. */
  quiet?: boolean;
}

const PPPD: Row[] = [
  { msg: 'pppd 2.4.7 started by root, uid 0', kind: 'ppp.start', attrs: { version: '2.4.7' } },
  { msg: 'pppd 2.5.0 started by root, uid 0', kind: 'ppp.start', attrs: { version: '2.5.0' } },
  {
    msg: 'Peer "bob smith" failed CHAP authentication',
    kind: 'auth.fail',
    attrs: { user: 'bob smith', reason: 'bad_password' },
    cause: 'auth_failed',
  },
  {
    msg: 'No CHAP secret found for authenticating "bob smith"',
    kind: 'auth.fail',
    attrs: { user: 'bob smith', reason: 'unknown_user' },
  },
  {
    msg: 'No CHAP secret found for authenticating us to pptpserver',
    kind: 'auth.fail',
    attrs: { reason: 'no_secret' },
  },
  { msg: 'PAP peer authentication failed for zed', kind: 'auth.fail', attrs: { user: 'zed', method: 'PAP' } },
  {
    msg: 'CHAP authentication failed due to protocol-reject',
    kind: 'auth.fail',
    attrs: { reason: 'peer_refused' },
  },
  {
    msg: 'peer refused to authenticate: terminating link',
    kind: 'auth.fail',
    attrs: { reason: 'peer_refused' },
  },
  {
    msg: 'pam_unix(ppp:auth): authentication failure; logname= uid=0 euid=0 tty=/dev/pts/1 ruser= rhost=  user=zed',
    kind: 'auth.fail',
    attrs: { user: 'zed' },
  },
  {
    msg: 'user zed logged in on tty /dev/pts/1 intf ppp0',
    kind: 'auth.ok',
    attrs: { user: 'zed', method: 'login' },
  },
  { msg: 'MS-CHAP-V2 authentication succeeded', kind: 'auth.ok', hint: { h: 'role', role: 'client' } },
  {
    msg: 'MPPE 128-bit stateful compression enabled',
    kind: 'ppp.mppe.up',
    attrs: { bits: 128, stateless: false },
  },
  {
    msg: 'MPPE 40-bit stateless compression enabled',
    kind: 'ppp.mppe.up',
    attrs: { bits: 40, stateless: true },
  },
  { msg: 'MPPE disabled', quiet: true },
  { msg: 'MPPE required, but kernel has no support.', kind: 'ppp.mppe.failed', cause: 'mppe_failed' },
  {
    msg: 'MPPE required, but MS-CHAP[v2] auth not performed.',
    kind: 'ppp.mppe.failed',
    cause: 'mppe_failed',
  },
  { msg: 'MPPE required but peer negotiation failed', kind: 'ppp.mppe.failed', cause: 'mppe_failed' },
  { msg: 'Refusing MPPE stateful mode offered by peer', kind: 'ppp.mppe.failed', cause: 'mppe_failed' },
  { msg: 'MPPE disabled, closing LCP', kind: 'ppp.mppe.failed', cause: 'mppe_failed' },
  {
    msg: 'LCP terminated by peer',
    kind: 'ppp.lcp.terminated',
    attrs: { by: 'peer' },
    cause: 'user_disconnect',
  },
  {
    msg: 'LCP terminated by peer (User request)',
    kind: 'ppp.lcp.terminated',
    attrs: { reason: 'User request' },
    cause: 'user_disconnect',
  },
  { msg: 'LCP terminated by peer (MPPE disabled)', kind: 'ppp.lcp.terminated', cause: 'user_disconnect' },
  { msg: 'LCP terminated by peer (Authentication failed)', kind: 'ppp.lcp.terminated', cause: 'auth_failed' },
  {
    msg: 'LCP terminated by peer (MPPE required but not available)',
    kind: 'ppp.lcp.terminated',
    cause: 'mppe_failed',
  },
  {
    msg: 'LCP terminated by peer (No network protocols running)',
    kind: 'ppp.lcp.terminated',
    cause: 'ip_config',
  },
  { msg: 'LCP: timeout sending Config-Requests', kind: 'ppp.lcp.timeout', cause: 'lcp_timeout' },
  { msg: 'IPCP: timeout sending Config-Requests', kind: 'ppp.ipcp.timeout', cause: 'ipcp_timeout' },
  { msg: 'CCP: timeout sending Config-Requests', kind: 'ppp.ccp.timeout', cause: 'ccp_timeout' },
  {
    msg: 'No response to 3 echo-requests',
    kind: 'ppp.echo.timeout',
    attrs: { missed: 3 },
    cause: 'link_dead',
  },
  {
    msg: 'Could not determine remote IP address: defaulting to 10.64.64.64',
    kind: 'ppp.error',
    cause: 'ip_config',
  },
  { msg: 'Peer is not authorized to use remote address 10.0.0.5', kind: 'ppp.error', cause: 'ip_config' },
  { msg: 'Peer refused to agree to our IP address', kind: 'ppp.error', cause: 'ip_config' },
  {
    msg: "In file /etc/ppp/pptpd-options: unrecognized option 'requre-mppe-128'",
    kind: 'ppp.error',
    cause: 'config_error',
  },
  { msg: "Couldn't open /dev/ppp: No such file or directory", kind: 'ppp.error', cause: 'config_error' },
  { msg: 'Fatal signal 11', kind: 'ppp.error', cause: 'pppd_crash' },
  { msg: 'Terminating on signal 2', kind: 'ppp.signal', attrs: { signal: 2 }, cause: 'admin' },
  { msg: 'Hangup (SIGHUP)', kind: 'ppp.signal', attrs: { signal: 1 }, cause: 'admin' },
  { msg: 'Connect time expired', cause: 'session_timeout' },
  { msg: 'Terminating connection due to lack of activity.', cause: 'idle_timeout' },
  { msg: 'write: Message too long (90)', kind: 'ppp.error', cause: 'mtu' },
  {
    msg: 'rc_send_server: no reply from RADIUS server radius1:1812',
    kind: 'auth.backend.timeout',
    attrs: { server: 'radius1:1812' },
    cause: 'auth_backend',
  },
  {
    msg: "rc_read_config: can't open /etc/radiusclient/radiusclient.conf: No such file or directory",
    kind: 'auth.backend.error',
    cause: 'auth_backend',
  },
  {
    msg: "rc_read_dictionary: couldn't open dictionary /etc/radiusclient/dictionary: No such file or directory",
    kind: 'auth.backend.error',
    cause: 'auth_backend',
  },
  {
    msg: 'RADIUS: Incorrect attribute length (10) for MS-CHAP-MPPE-Keys',
    kind: 'auth.backend.error',
    cause: 'auth_backend',
  },
  {
    msg: "Protocol-Reject for unsupported protocol 'IPv6 Control Protocol' (0x8057)",
    kind: 'ppp.protocol.reject',
  },
  { msg: 'Connect time 95.2 minutes.', hint: { h: 'seconds', seconds: 5712 } },
  { msg: 'Sent 18446744073 bytes, received 0 bytes.', hint: { h: 'bytes', sent: 18446744073, received: 0 } },
  {
    msg: 'Connect: ppp0 <--> /dev/ttyUSB0',
    kind: 'ppp.link.up',
    hint: { h: 'transport', transport: 'serial' },
  },
  { msg: 'Connect: ppp0 <--> eth0', kind: 'ppp.link.up', hint: { h: 'transport', transport: 'pppoe' } },
  { msg: 'Plugin pppol2tp.so loaded.', hint: { h: 'transport', transport: 'l2tp' } },
  { msg: 'Plugin /usr/lib/pppd/2.4.9/rp-pppoe.so loaded.', hint: { h: 'transport', transport: 'pppoe' } },
  {
    msg: 'sent [LCP ConfReq id=0x1 <asyncmap 0x0> <auth chap MS-v2> <magic 0xab0cdcc> <pcomp> <accomp>]',
    hint: { h: 'lcp.confreq' },
  },
  { msg: 'rcvd [PAP AuthReq id=0x1 user="zed" password=<hidden>]', hint: { h: 'user', user: 'zed' } },
  {
    msg: "Protocol-Reject for 'IPv6 Control Protocol' (0x8057) received",
    kind: 'ppp.protocol.reject',
    attrs: { protocol: 'IPv6 Control Protocol (0x8057)' },
  },
  { msg: 'no device specified and stdin is not a tty', kind: 'ppp.error', cause: 'config_error' },
  { msg: 'tcflush failed: Input/output error', quiet: true },
  {
    msg: '  script pptp 10.77.0.2 --nolaunchpppd --loglevel 1 , pid 923',
    hint: { h: 'peer', peer: '10.77.0.2' },
  },
  {
    msg: 'script pptp 10.77.0.2 --nolaunchpppd --loglevel 1 , pid 923',
    hint: { h: 'transport', transport: 'pptp' },
  },
  { msg: 'updetach is set. Now detaching.', quiet: true },
  { msg: 'Connect: ppp0 <-->', kind: 'ppp.link.up', attrs: { iface: 'ppp0' } },
  { msg: '  script /etc/ppp/ip-down, pid 195', quiet: true },
  { msg: 'Waiting for 2 child processes...', quiet: true },
];

const PPTPD: Row[] = [
  {
    msg: 'CTRL: EOF or bad error reading ctrl packet length.',
    kind: 'pptp.ctrl.close',
    cause: 'ctrl_closed',
  },
  { msg: 'CTRL: Exiting on signal 15', kind: 'pptp.ctrl.close', cause: 'admin' },
  {
    msg: 'CTRL: Received STOP CTRL CONN request (disconnecting)',
    kind: 'pptp.ctrl.close',
    cause: 'user_disconnect',
  },
  { msg: 'CTRL: Session timed out, ending call', cause: 'link_dead' },
  {
    msg: 'CTRL (PPPD Launcher): Failed to launch PPP daemon. No such file or directory',
    kind: 'ppp.error',
    cause: 'config_error',
  },
  {
    msg: 'CTRL: GRE-tunnel has collapsed (GRE read or PTY write failed (gre,pty)=(7,6))',
    kind: 'pptp.gre.error',
    cause: 'gre_error',
  },
  { msg: 'GRE: xmit failed from decaps_hdlc: Message too long', kind: 'pptp.gre.error', cause: 'mtu' },
  {
    msg: 'GRE: read(fd=7,buffer=55db97500520,len=8260) from network failed: status = -1 error = Protocol not available',
    kind: 'pptp.gre.error',
    cause: 'gre_error',
  },
  {
    msg: 'GRE: read(fd=6,buffer=55db97500520,len=8196) from PTY failed: status = -1 error = Input/output error, usually caused by unexpected termination of pppd, check option syntax and pppd logs',
    kind: 'pptp.gre.error',
    attrs: { errno: 'Input/output error' },
  },
  { msg: 'GRE: Discarding packet by header check', quiet: true },
  { msg: 'MGR: No free connection slots or IPs - no more clients can connect!', kind: 'pptp.limit' },
  { msg: 'MGR: connections limit (100) reached, extra IP addresses ignored', kind: 'pptp.limit' },
  { msg: 'MGR: Manager process started', kind: 'pptp.server.start', hint: { h: 'mgr.start' } },
  { msg: 'CTRL: Reaping child PPP[4711]', hint: { h: 'ctrl.reap', pppdPid: 4711 } },
  { msg: 'CTRL: Client 2001:db8::1 control connection started', kind: 'pptp.ctrl.open' },
];

const PPTP_CLIENT: Row[] = [
  {
    msg: "anon log[ctrlp_disp:pptp_ctrl.c:939]: Outgoing call established (call ID 0, peer's call ID 12).",
    kind: 'pptp.call.open',
    attrs: { callId: 0, peerCallId: 12 },
  },
  {
    msg: 'anon log[callmgr_main:pptp_callmgr.c:269]: Closing connection (shutdown)',
    kind: 'pptp.ctrl.close',
    attrs: { reason: 'shutdown' },
  },
  {
    msg: "anon log[ctrlp_error:pptp_ctrl.c:309]: Result code is 2 'General Error'. Error code is 4, Cause code is 0",
    kind: 'pptp.ctrl.error',
  },
  { msg: 'anon warn[decaps_hdlc:pptp_gre.c:226]: short read (-1): Input/output error', quiet: true },
];

function check(name: string, rows: Row[], fn: (m: string) => Match | undefined): void {
  for (const row of rows) {
    test(`${name}: ${row.msg.slice(0, 90)}`, () => {
      const m = fn(row.msg);
      assert.ok(m, 'not recognised');
      const ev = m.events?.[0];
      if (row.kind) {
        assert.equal(ev?.kind, row.kind);
        for (const [k, v] of Object.entries(row.attrs ?? {}))
          assert.deepEqual((ev?.attrs as Record<string, unknown>)[k], v, `attrs.${k}`);
      }
      if (row.cause) assert.equal(m.cause, row.cause);
      if (row.hint)
        assert.ok(
          (m.hints ?? []).some((h) =>
            Object.entries(row.hint ?? {}).every(
              ([k, v]) => (h as unknown as Record<string, unknown>)[k] === v,
            ),
          ),
          `hint ${JSON.stringify(row.hint)} in ${JSON.stringify(m.hints)}`,
        );
      if (row.quiet) assert.ok(!m.events?.length && m.cause === undefined, 'expected a quiet known line');
    });
  }
}

check('pppd', PPPD, classifyPppd);
check('pptpd', PPTPD, classifyPptpd);
check('pptp-linux', PPTP_CLIENT, classifyPptpClient);

test('lines the classifiers must NOT claim stay unclassified', () => {
  for (const m of ['Exit', 'totally unrelated text', 'Peer', 'sent', 'CTRL', 'Connect time'])
    assert.equal(classifyPppd(m)?.events?.length ?? 0, 0, m);
  assert.equal(classifyPptpd('something else'), undefined);
  assert.equal(classifyPptpClient('not an anon line'), undefined);
});

test('pptpd-logwtmp names the user and client IP of a successful login (seen in the lab)', () => {
  const m = classifyPppd('pptpd-logwtmp.so ip-up ppp0 alice 10.77.1.2');
  assert.ok(m);
  assert.deepEqual(
    (m.hints ?? []).filter((h) => h.h === 'user' || h.h === 'peer'),
    [
      { h: 'user', user: 'alice' },
      { h: 'peer', peer: '10.77.1.2' },
    ],
  );
  assert.ok(classifyPppd('pptpd-logwtmp: $Version$'));
  assert.ok(classifyPppd('pptpd-logwtmp.so ip-down ppp0'));
});
