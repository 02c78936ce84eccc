/**
 * `radius` probe: asks the RADIUS server behind pppd's radius plugin whether it answers and whether the
 * test user authenticates, the way pppd would. Methods:
 *   status   - Status-Server (RFC 5997): liveness without credentials; answered with Access-Accept.
 *   pap      - Access-Request with User-Password (RFC 2865 5.2).
 *   mschapv2 - Access-Request with MS-CHAP-Challenge + MS-CHAP2-Response (RFC 2548), as pppd's radius
 *              plugin sends for an MS-CHAPv2 login; the Accept's MS-CHAP2-Success is verified (RFC 2759
 *              8.7), so a server that accepts without knowing the password is caught.
 * Outcomes: accept (ok), reject (reason bad_password / rejected / locked ...), timeout, refused (ICMP
 * port unreachable), bad_authenticator (wrong shared secret or forged reply).
 */
import dgram from 'node:dgram';
import { randomBytes, randomInt } from 'node:crypto';
import net from 'node:net';
import { failureReason, parseFailure } from '../pptp/chap.js';
import { printable } from '../pptp/control.js';
import {
  generateAuthenticatorResponse,
  generateNtResponse,
  checkAuthenticatorResponse,
} from '../pptp/crypto/mschapv2.js';
import {
  ATTR,
  MS_ATTR,
  MS_VENDOR_ID,
  RADIUS_CODE,
  RADIUS_CODE_NAMES,
  attr,
  buildRequest,
  decodePacket,
  findAttr,
  findVsa,
  hidePassword,
  u32Attr,
  verifyResponse,
  vsa,
  type RadiusAttribute,
  type RadiusPacket,
} from './radius/codec.js';
import {
  failed,
  outcome,
  roundMs,
  type JsonValue,
  type Probe,
  type ProbeContext,
  type ProbeOutcome,
  type RadiusProbeOptions,
} from './types.js';

type Exchange =
  | { kind: 'reply'; packet: RadiusPacket; attempts: number }
  | { kind: 'timeout'; attempts: number; badReplies: string[] }
  | { kind: 'error'; reason: string; detail: string; attempts: number };

/** Sends `packet`, resends it unchanged every timeoutMs (RFC 5080 2.2.1), accepts only a verified reply. */
function exchange(
  o: RadiusProbeOptions,
  packet: Buffer,
  id: number,
  requestAuth: Buffer,
  timeoutMs: number,
): Promise<Exchange> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket(net.isIPv6(o.server) ? 'udp6' : 'udp4');
    let attempts = 0;
    let timer: NodeJS.Timeout | undefined;
    const badReplies: string[] = [];
    const finish = (r: Exchange) => {
      clearTimeout(timer);
      sock.removeAllListeners('message');
      sock.on('error', () => {});
      sock.close();
      resolve(r);
    };
    const sendOnce = () => {
      if (attempts > o.retries) return finish({ kind: 'timeout', attempts, badReplies });
      attempts++;
      sock.send(packet);
      timer = setTimeout(sendOnce, timeoutMs);
    };
    sock.on('error', (err: NodeJS.ErrnoException) => {
      // A connected UDP socket surfaces ICMP port unreachable as ECONNREFUSED.
      if (err.code === 'ECONNREFUSED')
        finish({
          kind: 'error',
          reason: 'refused',
          detail: `${o.server}:${o.port} answered ICMP port unreachable (nothing listens)`,
          attempts,
        });
      else
        finish({
          kind: 'error',
          reason: 'error',
          detail: `socket error ${err.code ?? err.message}`,
          attempts,
        });
    });
    sock.on('message', (msg: Buffer) => {
      const d = decodePacket(msg);
      if (!d.ok) return void badReplies.push(`malformed reply: ${d.error}`);
      if (d.packet.identifier !== id)
        return void badReplies.push(`reply with identifier ${d.packet.identifier}, sent ${id}`);
      const v = verifyResponse(d.raw, requestAuth, o.secret);
      if (v !== 'ok')
        return void badReplies.push(
          `reply fails ${v === 'bad_authenticator' ? 'Response Authenticator' : 'Message-Authenticator'} check`,
        );
      finish({ kind: 'reply', packet: d.packet, attempts });
    });
    sock.connect(o.port, o.server, (err?: Error) => {
      if (err)
        return finish({
          kind: 'error',
          reason: 'error',
          detail: `cannot reach ${o.server}:${o.port}: ${err.message}`,
          attempts,
        });
      sendOnce();
    });
  });
}

interface Built {
  code: number;
  attributes: RadiusAttribute[];
  /** Checks an Access-Accept beyond its authenticator (MS-CHAPv2 mutual authentication). */
  verifyAccept?: (p: RadiusPacket) => string | undefined;
}

function buildAttributes(ctx: ProbeContext, o: RadiusProbeOptions, requestAuth: Buffer): Built {
  const common = [attr(ATTR.NasIdentifier, o.nasIdentifier), u32Attr(ATTR.NasPortType, 5 /* Virtual */)];
  if (o.method === 'status') return { code: RADIUS_CODE.StatusServer, attributes: common };
  const cred = ctx.credentials;
  if (!cred) throw new Error(`radius method ${o.method} needs credentials`);
  // Service-Type Framed, Framed-Protocol PPP: what pppd's radius plugin sends (radius.c).
  const framed = [u32Attr(ATTR.ServiceType, 2), u32Attr(ATTR.FramedProtocol, 1)];
  if (o.method === 'pap') {
    return {
      code: RADIUS_CODE.AccessRequest,
      attributes: [
        attr(ATTR.UserName, cred.user),
        { type: ATTR.UserPassword, value: hidePassword(cred.password, o.secret, requestAuth) },
        ...framed,
        ...common,
      ],
    };
  }
  const authChallenge = randomBytes(16);
  const peerChallenge = randomBytes(16);
  const ident = randomInt(256);
  const ntResponse = generateNtResponse(authChallenge, peerChallenge, cred.user, cred.password);
  // RFC 2548 2.3.2: Ident, Flags, Peer-Challenge(16), Reserved(8), Response(24).
  const response = Buffer.concat([Buffer.from([ident, 0]), peerChallenge, Buffer.alloc(8), ntResponse]);
  return {
    code: RADIUS_CODE.AccessRequest,
    attributes: [
      attr(ATTR.UserName, cred.user),
      vsa(MS_VENDOR_ID, MS_ATTR.ChapChallenge, authChallenge),
      vsa(MS_VENDOR_ID, MS_ATTR.Chap2Response, response),
      ...framed,
      ...common,
    ],
    verifyAccept: (p) => {
      const success = findVsa(p, MS_VENDOR_ID, MS_ATTR.Chap2Success);
      if (!success || success.length < 2) return 'Access-Accept without MS-CHAP2-Success';
      const got = success.subarray(1).toString('latin1').slice(0, 42);
      const want = generateAuthenticatorResponse(
        cred.password,
        ntResponse,
        peerChallenge,
        authChallenge,
        cred.user,
      );
      return checkAuthenticatorResponse(want, got)
        ? undefined
        : 'MS-CHAP2-Success authenticator response does not match (server does not know the password)';
    },
  };
}

function rejectReason(p: RadiusPacket): {
  reason: string;
  detail: string;
  fields: Record<string, JsonValue>;
} {
  const fields: Record<string, JsonValue> = {};
  const reply = findAttr(p, ATTR.ReplyMessage);
  if (reply) fields.replyMessage = printable(reply.toString('utf8'), 200);
  const msErr = findVsa(p, MS_VENDOR_ID, MS_ATTR.ChapError);
  if (msErr && msErr.length > 1) {
    const f = parseFailure(msErr.subarray(1).toString('latin1'));
    fields.mschapError = f.error ?? null;
    return {
      reason: failureReason(f),
      detail: `Access-Reject, MS-CHAP-Error ${printable(msErr.subarray(1).toString('latin1'), 120)}`,
      fields,
    };
  }
  return {
    reason: 'rejected',
    detail: `Access-Reject${fields.replyMessage ? `: ${String(fields.replyMessage)}` : ''}`,
    fields,
  };
}

async function runRadius(ctx: ProbeContext): Promise<ProbeOutcome> {
  const o = ctx.radius;
  const t0 = ctx.now();
  if (!o)
    return outcome(
      ctx,
      failed('radius', 0, 'auth', 'not_configured', 'no RADIUS server and shared secret configured'),
    );
  const base: Record<string, JsonValue> = { server: o.server, port: o.port, method: o.method };
  const id = randomInt(256);
  const requestAuth = randomBytes(16);
  const built = buildAttributes(ctx, o, requestAuth);
  const packet = buildRequest(built.code, id, requestAuth, o.secret, built.attributes);
  const ex = await exchange(o, packet, id, requestAuth, ctx.timeoutMs);
  const ms = ctx.now() - t0;
  base.attempts = ex.attempts;
  if (ex.kind === 'error') return outcome(ctx, failed('radius', ms, 'auth', ex.reason, ex.detail, base));
  if (ex.kind === 'timeout') {
    const bad = ex.badReplies[0];
    return outcome(
      ctx,
      bad
        ? failed(
            'radius',
            ms,
            'auth',
            'bad_authenticator',
            `${bad} (wrong shared secret, or a forged reply)`,
            base,
          )
        : failed(
            'radius',
            ms,
            'auth',
            'timeout',
            `no reply from ${o.server}:${o.port} after ${ex.attempts} tries of ${ctx.timeoutMs} ms (server down, packets dropped, or a wrong shared secret: FreeRADIUS drops requests whose Message-Authenticator fails)`,
            base,
          ),
    );
  }
  const p = ex.packet;
  base.code = RADIUS_CODE_NAMES[p.code] ?? `code ${p.code}`;
  if (p.code === RADIUS_CODE.AccessAccept) {
    const problem = built.verifyAccept?.(p);
    if (problem) return outcome(ctx, failed('radius', ms, 'auth', 'bad_authenticator', problem, base));
    return outcome(ctx, { check: 'radius', ok: true, ms: roundMs(ms), ...base });
  }
  if (p.code === RADIUS_CODE.AccessReject) {
    const r = rejectReason(p);
    return outcome(ctx, failed('radius', ms, 'auth', r.reason, r.detail, { ...base, ...r.fields }));
  }
  return outcome(
    ctx,
    failed(
      'radius',
      ms,
      'auth',
      'unexpected_reply',
      `${String(base.code)} is not an answer to ${o.method === 'status' ? 'Status-Server' : 'Access-Request'}`,
      base,
    ),
  );
}

export const radiusProbe: Probe = {
  name: 'radius',
  summary: 'RADIUS Status-Server or Access-Request (PAP/MS-CHAPv2) latency and accept/reject/timeout',
  run: runRadius,
  requires: ['radius'],
  deadlineMs: (ctx) => ((ctx.radius?.retries ?? 0) + 1) * ctx.timeoutMs + 2000,
};
