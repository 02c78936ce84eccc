/**
 * Writers for the pppd copy dedup tests (dedup*.test.ts), writing files the way the real writers do:
 * pppd's log_write() writes the bare message and then "\n" in a second write(2); rsyslog writes
 * `Mmm dd hh:mm:ss host pppd[pid]: message\n` in one. SAMPLE is the lab's real server pppd logfile
 * (samples/ppp-server.log).
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FollowerSet } from '../../../src/logs/follow/set.js';
import type { FollowedLine } from '../../../src/logs/follow/file.js';

export const SAMPLE = readFileSync(new URL('../../../samples/ppp-server.log', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.length > 0);
export const isDebug = (m: string): boolean => m.startsWith('sent [') || m.startsWith('rcvd [');

/** pppd with `logfile`: the message, then the newline, in two writes (pppd/utils.c log_write). */
export class PppdLogfile {
  private readonly fd: number;
  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }
  log(msg: string): void {
    this.text(msg);
    this.newline();
  }
  /** The first of the two writes alone: a follower polling now sees a torn line. */
  text(msg: string): void {
    writeSync(this.fd, msg);
  }
  newline(): void {
    writeSync(this.fd, '\n');
  }
  close(): void {
    closeSync(this.fd);
  }
}

/** rsyslog's traditional file format, one write per line. */
export class Rsyslog {
  private readonly fd: number;
  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }
  log(pid: number, msg: string, d = new Date()): void {
    const mon = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
    const day = String(d.getUTCDate()).padStart(2, ' ');
    const time = d.toISOString().slice(11, 19);
    writeSync(this.fd, `${mon} ${day} ${time} vpn pppd[${pid}]: ${msg}\n`);
  }
  close(): void {
    closeSync(this.fd);
  }
}

export function setup(t: { after: (fn: () => void) => void }): { dir: string; ppp: string; sys: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pptpmon-dedup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, ppp: join(dir, 'ppp.log'), sys: join(dir, 'syslog') };
}

/**
 * Writes the sample through both writers, polling every 7 messages; `inSyslog` picks what rsyslog
 * gets. rsyslog writes asynchronously but in order: at a poll, some of its copies are still to come
 * (read in a later poll than the logfile copy); and pppd may be between its two writes, so the
 * logfile copy completes after the syslog copy was read.
 */
export async function run(
  set: FollowerSet,
  ppp: string,
  sys: string,
  inSyslog: (m: string) => boolean,
): Promise<FollowedLine[]> {
  const lf = new PppdLogfile(ppp);
  const rs = new Rsyslog(sys);
  const got: FollowedLine[] = [];
  let queue: string[] = [];
  for (let i = 0; i < SAMPLE.length; i++) {
    const m = SAMPLE[i]!;
    const torn = i % 7 === 6 && i % 2 === 0;
    if (torn) lf.text(m);
    else lf.log(m);
    if (inSyslog(m)) queue.push(m);
    if (i % 7 === 6) {
      const now = torn ? queue.length : queue.length >> 1;
      for (const q of queue.slice(0, now)) rs.log(139, q);
      queue = queue.slice(now);
      got.push(...set.poll().lines);
      if (torn) lf.newline();
    }
  }
  for (const q of queue) rs.log(139, q);
  lf.close();
  rs.close();
  for (let i = 0; i < 20; i++) {
    got.push(...set.poll().lines);
    await sleep(40);
  }
  return got;
}
