/**
 * Loopback PPTP control servers (RFC 2637) for tests that need a server we can make healthy, odd or
 * hostile; the real pptpd is exercised by the lab tests.
 */
import net from 'node:net';
import {
  CTRL,
  ControlFramer,
  encodeControl,
  type ControlMessage,
  type Sccrp,
} from '../../src/pptp/control.js';

/** A healthy server's SCCRP (version 1.0, result 1, async framing, analog bearer, as pptpd 1.4 sends). */
export function sccrp(over: Partial<Omit<Sccrp, 'type'>> = {}): Sccrp {
  return {
    type: CTRL.StartControlConnectionReply,
    protocolVersion: 0x100,
    resultCode: 1,
    errorCode: 0,
    framingCaps: 1,
    bearerCaps: 1,
    maxChannels: 1,
    firmwareRevision: 1,
    hostname: 'local',
    vendor: 'linux',
    ...over,
  };
}

/**
 * What a healthy server answers: SCCRQ -> `reply`, Echo-Request -> Echo-Reply, StopCCRQ -> StopCCRP
 * and close. True if `m` was one of those.
 */
export function answerControl(sock: net.Socket, m: ControlMessage, reply: Sccrp): boolean {
  if (m.type === CTRL.StartControlConnectionRequest) sock.write(encodeControl(reply));
  else if (m.type === CTRL.EchoRequest)
    sock.write(
      encodeControl({ type: CTRL.EchoReply, identifier: m.identifier, resultCode: 1, errorCode: 0 }),
    );
  else if (m.type === CTRL.StopControlConnectionRequest)
    sock.end(encodeControl({ type: CTRL.StopControlConnectionReply, resultCode: 1, errorCode: 0 }));
  else return false;
  return true;
}

/** Called with each control message a client sends, and the chunk it came in. */
export type OnControl = (sock: net.Socket, m: ControlMessage, chunk: Buffer) => void;

/** The loopback servers of one test file and their connections; `closeAll()` in `after()`. */
export class ControlServers {
  private readonly servers: net.Server[] = [];
  private readonly sockets = new Set<net.Socket>();

  /** Listens on 127.0.0.1 on a free port (returned); a connection whose bytes do not frame is dropped. */
  async start(on: OnControl): Promise<number> {
    const srv = net.createServer((sock) => {
      this.sockets.add(sock);
      sock.on('error', () => {});
      sock.on('close', () => this.sockets.delete(sock));
      const f = new ControlFramer();
      sock.on('data', (d: Buffer) => {
        for (const it of f.push(d)) {
          if (!it.ok) return void sock.destroy();
          on(sock, it.message, d);
        }
      });
    });
    this.servers.push(srv);
    await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
    return (srv.address() as net.AddressInfo).port;
  }

  closeAll(): void {
    for (const s of this.sockets) s.destroy();
    for (const s of this.servers) s.close();
  }
}
