/**
 * A real systemd-journald for tests, on a host that does not boot with systemd (CI containers, this
 * machine): journald (Debian package `systemd`) runs as an ordinary process in a private mount
 * namespace whose /run and /var/log are fresh tmpfs mounts. Inside it journald has the paths it has on
 * a systemd host (/run/systemd/journal/{socket,stdout,dev-log}, /run/log/journal, /var/log/journal),
 * so a follower started in the namespace runs the production command line (`journalctl -f -o json`
 * with no --file/--directory), while the host's /run and /var/log are never touched.
 *
 * Writers: syslog(3)-style datagrams to dev-log (as pppd and pptpd log: openlog(ident, LOG_PID)),
 * sent by logger(1) from the host through /proc/<holder>/root; native protocol and stdout streams
 * (logger --journald, systemd-cat) run inside the namespace, whose socket paths are fixed.
 *
 * Needs root (unshare -m). `unavailable()` gives the reason when it cannot run at all.
 */
import { spawn, execFile, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const JOURNALD = ['/usr/lib/systemd/systemd-journald', '/lib/systemd/systemd-journald'].find(
  existsSync,
);
const TOOLS = ['unshare', 'nsenter', 'setpriv', 'logger', 'journalctl', 'systemd-cat'];

// Constant script (no input in it): fresh tmpfs over /run and /var/log in the new namespace only, then
// hold the namespace open. Bounded so a crashed test leaves nothing running for long.
const HOLDER_SCRIPT =
  'mount -t tmpfs -o mode=755 pptpmon-run /run && mount -t tmpfs -o mode=755 pptpmon-log /var/log && ' +
  'mkdir -m 2755 /var/log/journal && echo ready && exec sleep 900';

/**
 * setpriv(1) prefix: the process gets SIGKILL when the test process dies (prctl PR_SET_PDEATHSIG, kept
 * across the exec chain setpriv -> nsenter/unshare -> the command, all one pid). journald and the
 * followers never exit by themselves; a test killed by a timeout must not leave them running.
 */
const DIE_WITH_US = ['--pdeathsig', 'KILL', '--'];

function which(cmd: string): string | undefined {
  return (process.env.PATH ?? '/usr/bin:/bin')
    .split(':')
    .map((d) => join(d || '.', cmd))
    .find((p) => existsSync(p));
}

/** Why a private journald cannot be started here, or undefined when it can be tried. */
export function unavailable(): string | undefined {
  if (process.platform !== 'linux') return 'journald runs on Linux only';
  if (!JOURNALD) return 'systemd-journald not found (Debian package systemd)';
  const missing = TOOLS.filter((t) => !which(t));
  if (missing.length)
    return `missing tools: ${missing.join(', ')} (Debian packages util-linux, bsdutils, systemd)`;
  if (process.getuid?.() !== 0) return 'needs root: journald runs in a private mount namespace (unshare -m)';
  return undefined;
}

export interface JournalEntry {
  [field: string]: unknown;
  __CURSOR: string;
  __REALTIME_TIMESTAMP: string;
}

function waitExit(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => c.once('exit', () => resolve()));
}

export class PrivateJournald {
  private journald: ChildProcess | undefined;
  private journaldErr = '';

  private constructor(
    private readonly holder: ChildProcess,
    readonly dir: string,
  ) {}

  /** Starts the namespace and journald; resolves once journald accepts messages. Throws with the reason. */
  static async start(dir: string, opts: { journald?: boolean } = {}): Promise<PrivateJournald> {
    const holder = spawn(
      'setpriv',
      [...DIE_WITH_US, 'unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', HOLDER_SCRIPT],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    holder.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    holder.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    for (let i = 0; i < 200 && !out.includes('ready') && holder.exitCode === null; i++) await sleep(50);
    if (!out.includes('ready')) {
      holder.kill('SIGKILL');
      throw new Error(`private mount namespace: ${err.trim() || `unshare exited ${holder.exitCode}`}`);
    }
    const j = new PrivateJournald(holder, dir);
    // Symlinks to logger named like the daemons: the journal's _COMM is then pppd / pptpctrl, as on a
    // real server where pptpctrl logs with ident "pptpd" (poptop pptpctrl.c: openlog("pptpd", LOG_PID, ...)).
    const logger = which('logger')!;
    for (const name of ['pppd', 'pptpctrl', 'pptpd', 'pptp', 'sshd']) symlinkSync(logger, join(dir, name));
    if (opts.journald ?? true) await j.startJournald();
    return j;
  }

  /** The namespace's root as seen from the host. */
  get root(): string {
    return `/proc/${this.holder.pid}/root`;
  }

  /** Pids of the live children of `pid` whose command is `comm` (from /proc/<pid>/stat). */
  static children(pid: number, comm: string): number[] {
    const out: number[] = [];
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const st = readFileSync(`/proc/${d}/stat`, 'utf8');
        // pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ')'.
        const close = st.lastIndexOf(')');
        const [state, ppid] = st.slice(close + 2).split(' ');
        if (Number(ppid) === pid && state !== 'Z' && st.slice(st.indexOf('(') + 1, close) === comm)
          out.push(Number(d));
      } catch {
        // gone meanwhile
      }
    }
    return out;
  }

  /** A long-running command inside the namespace, killed if the test process dies. */
  spawnInNs(cmd: string[], opts: SpawnOptions): ChildProcess {
    return spawn('setpriv', [...DIE_WITH_US, 'nsenter', ...this.inNs(cmd)], opts);
  }

  /**
   * argv for nsenter to run a command inside the namespace (nsenter execs it: the child's pid is the
   * command's). setns(2) moves the cwd to the namespace's root, so ours is given back (--wd).
   */
  inNs(cmd: string[]): string[] {
    return [`--mount=/proc/${this.holder.pid}/ns/mnt`, `--wd=${process.cwd()}`, '--', ...cmd];
  }

  get pid(): number | undefined {
    return this.journald?.pid;
  }

  async startJournald(): Promise<void> {
    const c = this.spawnInNs([JOURNALD!], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.journald = c;
    this.journaldErr = '';
    c.stderr!.on('data', (d: Buffer) => (this.journaldErr = (this.journaldErr + d.toString()).slice(-2000)));
    // Ready when its own "Journal started" entry is in the journal: journald logs it after binding its
    // sockets (journald-server.c server_init, then server_driver_message).
    for (let i = 0; i < 300; i++) {
      if (c.exitCode !== null)
        throw new Error(`systemd-journald exited ${c.exitCode}: ${this.journaldErr.trim()}`);
      const got = await this.entries([`_PID=${c.pid}`]).catch(() => []);
      if (got.some((e) => String(e.MESSAGE).startsWith('Journal started'))) {
        return;
      }
      await sleep(100);
    }
    throw new Error(`systemd-journald not ready after 30 s: ${this.journaldErr.trim()}`);
  }

  /** Stops journald with `signal` (SIGTERM: clean; SIGKILL: crash, the active file is left dirty) and starts it again. */
  async restart(signal: 'SIGTERM' | 'SIGKILL', downMs = 0): Promise<void> {
    await this.kill(signal);
    if (downMs) await sleep(downMs);
    await this.startJournald();
  }

  async kill(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const c = this.journald;
    if (!c) return;
    c.kill(signal);
    await waitExit(c);
    this.journald = undefined;
  }

  /** SIGUSR2: rotate the journal files (as `journalctl --rotate`). */
  rotate(): void {
    this.journald?.kill('SIGUSR2');
  }

  /** SIGUSR1: move the runtime journal to /var/log/journal (as systemd-journal-flush.service at boot). */
  flush(): void {
    this.journald?.kill('SIGUSR1');
  }

  /**
   * Syslog datagrams to journald's dev-log, one per message, as `exe` (a name from start(): pppd,
   * pptpctrl, pptpd, sshd) with tag `ident` and SYSLOG_PID `pid`. False when journald did not take them
   * (down): the socket errors are reported (--socket-errors=on).
   */
  async syslog(exe: string, ident: string, pid: number, messages: string[]): Promise<boolean> {
    const sock = `${this.root}/run/systemd/journal/dev-log`;
    return new Promise((resolve) => {
      const c = execFile(
        join(this.dir, exe),
        ['--socket-errors=on', '-u', sock, '-t', ident, `--id=${pid}`, '-p', 'daemon.notice'],
        (err) => resolve(!err),
      );
      // logger exits at the first refused datagram (journald down): the rest of stdin is not read.
      c.stdin!.on('error', () => undefined);
      c.stdin!.end(messages.map((m) => `${m}\n`).join(''));
    });
  }

  /** A stdout stream (systemd-cat -t ident): no SYSLOG_PID, _PID is systemd-cat's. Returns its pid. */
  async stdout(ident: string, messages: string[]): Promise<number> {
    return new Promise((resolve, reject) => {
      const c = execFile('nsenter', this.inNs(['systemd-cat', '-t', ident]), (err) =>
        err ? reject(err) : resolve(c.pid!),
      );
      c.stdin!.end(messages.map((m) => `${m}\n`).join(''));
    });
  }

  /** One entry by the native protocol (logger --journald reads FIELD=value lines). */
  async native(fields: Record<string, string>): Promise<void> {
    const input = Object.entries(fields)
      .map(([k, v]) => `${k}=${v}\n`)
      .join('');
    await new Promise<void>((resolve, reject) => {
      const c = execFile('nsenter', this.inNs(['logger', '--journald']), (err) =>
        err ? reject(err) : resolve(),
      );
      c.stdin!.end(input);
    });
  }

  /** The journal's entries matching `matches`, read in the namespace with journalctl (the system journal). */
  async entries(matches: string[]): Promise<JournalEntry[]> {
    const { stdout } = await run(
      'nsenter',
      this.inNs(['journalctl', '-o', 'json', '--no-pager', ...matches]),
      {
        maxBuffer: 256 * 1024 * 1024,
      },
    );
    return stdout
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as JournalEntry);
  }

  journalFiles(): string[] {
    const out: string[] = [];
    const mid = readFileSync('/etc/machine-id', 'utf8').trim();
    for (const base of ['run/log/journal', 'var/log/journal']) {
      const d = `${this.root}/${base}/${mid}`;
      if (existsSync(d))
        out.push(
          ...readdirSync(d)
            .sort()
            .map((n) => `/${base}/${mid}/${n}`),
        );
    }
    return out;
  }

  async stop(): Promise<void> {
    await this.kill('SIGTERM').catch(() => undefined);
    this.holder.kill('SIGKILL');
    await waitExit(this.holder);
  }
}
