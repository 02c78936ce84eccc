/**
 * Raw GRE (IP protocol 47) for Node, through native/gre-helper.c run as a child process.
 *
 * WHY A HELPER, not the npm `raw-socket` addon: the addon needs node-gyp, Node headers and a rebuild per
 * Node ABI, and would put CAP_NET_RAW on the whole Node process. The helper is 150 lines of C with no
 * dependencies, built once with the system C compiler (gcc in scripts/debian-packages.txt; compiled on
 * first use or by scripts/test.d/40-gre-helper.sh), and it alone can carry the capability
 * (`setcap cap_net_raw+ep`), like ping. Set PPTPMON_GRE_HELPER to use a prebuilt binary.
 * Without the capability the helper reports EPERM and the probes say `no_raw_socket`.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export class RawGreError extends Error {
  constructor(
    /** `no_raw_socket` (EPERM/EACCES), `no_helper` (cannot build/find it), `helper_failed`. */
    readonly code: 'no_raw_socket' | 'no_helper' | 'helper_failed',
    message: string,
  ) {
    super(message);
    this.name = 'RawGreError';
  }
}

function findNativeDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'native', 'gre-helper.c'))) return join(dir, 'native');
    dir = dirname(dir);
  }
  return undefined;
}

let building: Promise<string> | undefined;

/** Path of the helper binary, compiling it from native/gre-helper.c when missing or stale. */
export function locateHelper(): Promise<string> {
  const env = process.env.PPTPMON_GRE_HELPER;
  if (env) {
    if (!existsSync(env))
      return Promise.reject(new RawGreError('no_helper', `PPTPMON_GRE_HELPER=${env} does not exist`));
    return Promise.resolve(env);
  }
  building ??= (async () => {
    const native = findNativeDir();
    if (!native)
      throw new RawGreError('no_helper', 'native/gre-helper.c not found beside the installed pptpmon');
    const src = join(native, 'gre-helper.c');
    const out = join(native, 'build', 'pptpmon-gre-helper');
    if (existsSync(out) && statSync(out).mtimeMs >= statSync(src).mtimeMs) return out;
    mkdirSync(dirname(out), { recursive: true });
    try {
      await run('cc', ['-O2', '-Wall', '-o', out, src], { timeout: 60_000 });
    } catch (err) {
      building = undefined;
      const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw new RawGreError('no_helper', `cannot build the raw GRE helper with cc (install gcc): ${why}`);
    }
    return out;
  })();
  return building;
}

export const PMTU = { DONT: 0, DO: 2, PROBE: 3 } as const;

export interface IcmpError {
  type: number;
  code: number;
  info: number;
}

export interface SendFailure {
  errno: number;
  pathMtu: number;
}

/** A connected raw GRE socket to one IPv4 server. */
export class RawGreSocket {
  private buf: Buffer = Buffer.alloc(0);
  private closed = false;
  private mtuWaiters: Array<(mtu: number) => void> = [];
  onPacket: (gre: Buffer) => void = () => {};
  onSendError: (f: SendFailure) => void = () => {};
  onExit: (why: string) => void = () => {};
  /** ICMP error about a packet we sent (type 3 code 4 = fragmentation needed, `info` = next-hop MTU). */
  onIcmpError: (e: IcmpError) => void = () => {};

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {}

  static async open(serverIpv4: string, timeoutMs = 5000): Promise<RawGreSocket> {
    const helper = await locateHelper();
    const child = spawn(helper, [serverIpv4], { stdio: ['pipe', 'pipe', 'pipe'] });
    const sock = new RawGreSocket(child);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        sock.close();
        reject(new RawGreError('helper_failed', `raw GRE helper did not start within ${timeoutMs} ms`));
      }, timeoutMs);
      let ready = false;
      sock.onReady = () => {
        ready = true;
        clearTimeout(timer);
        resolve(sock);
      };
      sock.onFatal = (errno, text) => {
        clearTimeout(timer);
        sock.close();
        // EPERM/EACCES: not root and no CAP_NET_RAW on the helper.
        if (errno === 1 || errno === 13) {
          reject(
            new RawGreError(
              'no_raw_socket',
              `cannot open a raw GRE socket (${text}): needs root or CAP_NET_RAW`,
            ),
          );
        } else reject(new RawGreError('helper_failed', text));
      };
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(new RawGreError('no_helper', `cannot run ${helper}: ${e.message}`));
      });
      child.on('exit', (code, signal) => {
        if (!ready) {
          clearTimeout(timer);
          reject(
            new RawGreError('helper_failed', `raw GRE helper exited (${signal ?? code}) before it was ready`),
          );
        }
        sock.closed = true;
        sock.onExit(`exit ${signal ?? code}`);
      });
      // A helper that died (killed, lab torn down) turns our next write into EPIPE: that must be a
      // closed socket, not an unhandled 'error' event that takes the whole process down.
      child.stdin.on('error', () => {
        sock.closed = true;
      });
      child.stdout.on('data', (c: Buffer) => sock.onData(c));
      child.stderr.resume();
    });
  }

  private onReady: () => void = () => {};
  private onFatal: (errno: number, text: string) => void = () => {};

  send(gre: Buffer): void {
    this.write('S', gre);
  }

  /** Path-MTU discovery mode for what we send next (PMTU.PROBE = DF set, PMTU.DONT = DF clear). */
  setPmtuMode(mode: number): void {
    this.write('D', Buffer.from([mode]));
  }

  pathMtu(): Promise<number> {
    return new Promise((resolve) => {
      this.mtuWaiters.push(resolve);
      this.write('M', Buffer.alloc(0));
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.child.stdin.end();
    // The helper exits on stdin EOF; make sure, by its own PID, without touching anything else.
    setTimeout(() => this.child.kill('SIGKILL'), 500).unref();
  }

  private write(type: string, payload: Buffer): void {
    if (this.closed || payload.length > 0xffff) return;
    const head = Buffer.alloc(3);
    head.write(type, 0, 'latin1');
    head.writeUInt16BE(payload.length, 1);
    this.child.stdin.write(Buffer.concat([head, payload]));
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.buf.length >= 3) {
      const len = this.buf.readUInt16BE(1);
      if (this.buf.length < 3 + len) break;
      const type = String.fromCharCode(this.buf.readUInt8(0));
      const p = this.buf.subarray(3, 3 + len);
      this.buf = this.buf.subarray(3 + len);
      if (type === 'R') this.onPacket(Buffer.from(p));
      else if (type === 'O') this.onReady();
      else if (type === 'E' && p.length >= 4) this.onFatal(p.readUInt32BE(0), p.subarray(4).toString('utf8'));
      else if (type === 'X' && p.length >= 8)
        this.onSendError({ errno: p.readUInt32BE(0), pathMtu: p.readUInt32BE(4) });
      else if (type === 'F' && p.length >= 6)
        this.onIcmpError({ type: p.readUInt8(0), code: p.readUInt8(1), info: p.readUInt32BE(2) });
      else if (type === 'M' && p.length >= 4) this.mtuWaiters.shift()?.(p.readUInt32BE(0));
    }
  }
}
