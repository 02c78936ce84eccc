/**
 * `config-drift`: notices changes to pptpd.conf, options.pptpd, chap-secrets, the RADIUS client
 * config and the firewall ruleset, and says what changed — never a secret: for chap-secrets only which
 * users were added, removed or changed; for the RADIUS `servers` file (shared secrets) which servers
 * were added or removed or had their secret changed; in option files a `password`/`secret`/key line
 * is kept and told only as "secret changed: password" (drift-secrets.ts). Baselines persist in the
 * state dir (config-drift.json) so a change made while the agent was down is still reported at its
 * next start. Users' lines, secret lines and file hashes are kept as keyed hashes (HMAC-SHA256; a
 * plain SHA-256 of a small file holding one password is a guessable hash of it). The random per-host
 * key is in its own 0600 file, config-drift.key, never in config-drift.json: whoever reads the state
 * file (a backup, a support bundle) cannot test guesses against its hashes without the key too.
 * Older state files are upgraded quietly: v1 (plain hashes, verbatim lines) and v2 (the key inside
 * the state file: moved out to the key file, so the hashes made with it stay valid).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Event } from '../events/index.js';
import { collectorEvent, type Collector, type CollectorContext } from './types.js';
import { readText } from './procfs.js';
import {
  fileHash,
  isRedacted,
  radiusServers,
  redactLine,
  secretChanges,
  summarizeServers,
} from './drift-secrets.js';

type FileKind = 'options' | 'chap-secrets' | 'secret';

/** Relative to etcRoot; Debian and RHEL place them alike (radcli replaced radiusclient in Debian 9+). */
export const WATCHED_FILES: Array<{ path: string; kind: FileKind }> = [
  { path: 'pptpd.conf', kind: 'options' },
  { path: 'ppp/options.pptpd', kind: 'options' },
  { path: 'ppp/pptpd-options', kind: 'options' },
  { path: 'ppp/chap-secrets', kind: 'chap-secrets' },
  { path: 'radcli/radiusclient.conf', kind: 'options' },
  { path: 'radiusclient/radiusclient.conf', kind: 'options' },
  { path: 'radcli/servers', kind: 'secret' },
  { path: 'radiusclient/servers', kind: 'secret' },
];

interface FileState {
  hash: string;
  /** options: normalized lines; chap-secrets: user -> keyed hash of its lines; secret: nothing. */
  lines?: string[];
  users?: Record<string, string>;
  /** secret (RADIUS servers): server -> keyed hash of its lines. */
  servers?: Record<string, string>;
}

/** State file format: 2 = keyed file hashes and redacted option lines; 3 = the key in its own file. */
const STATE_VERSION = 3;

interface DriftState {
  v?: number;
  /** Up to v2 only: the HMAC key, now in config-drift.key. */
  key?: string;
  files: Record<string, FileState | null>;
  ruleset?: { hash: string; lines: string[] } | null;
}

const MAX_SUMMARY = 600;
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

export function significantLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter((l) => l !== '');
}

/** chap-secrets(5): `client server secret [ip...]`, client possibly quoted. Returns user -> lines. */
export function chapUsers(text: string, key: string): Record<string, string> {
  const users: Record<string, string[]> = {};
  for (const line of significantLines(text)) {
    const m = /^("([^"]*)"|(\S+))/.exec(line);
    const user = m?.[2] ?? m?.[3];
    if (user === undefined) continue;
    (users[user] ??= []).push(line);
  }
  const out: Record<string, string> = {};
  for (const [u, ls] of Object.entries(users))
    out[u] = createHmac('sha256', key).update(ls.join('\n')).digest('hex');
  return out;
}

/** Firewall dumps carry moving counters and timestamps: drop them so only rule changes count. */
export function normalizeRuleset(text: string): string[] {
  return text
    .split('\n')
    .map((l) =>
      l
        .replace(/counter packets \d+ bytes \d+/g, 'counter')
        .replace(/^(:\S+ \S+) \[\d+:\d+\]/, '$1')
        .replace(/\s+#\s*handle \d+$/, '')
        .trimEnd(),
    )
    .filter((l) => l.trim() !== '' && !/^# (Generated|Completed) /.test(l));
}

/** Rules that touch PPTP: TCP 1723 or GRE (IP protocol 47). */
export function touchesPptp(rule: string): boolean {
  return /\b1723\b|\bgre\b|protocol 47\b|-p 47\b/i.test(rule);
}

function diffLines(before: string[], after: string[]): { added: string[]; removed: string[] } {
  const b = new Set(before);
  const a = new Set(after);
  return { added: after.filter((l) => !b.has(l)), removed: before.filter((l) => !a.has(l)) };
}

const clip = (s: string): string => (s.length > MAX_SUMMARY ? `${s.slice(0, MAX_SUMMARY - 1)}…` : s);

/** Lines are redacted (redactLine) before they get here: secret lines are told by keyword only. */
export function summarizeOptions(before: string[], after: string[]): string {
  const { added, removed } = diffLines(before, after);
  const show = (ls: string[]): string =>
    ls
      .filter((l) => !isRedacted(l))
      .map((l) => `"${l}"`)
      .join(', ');
  const parts = [`+${added.length}/-${removed.length} lines`];
  if (show(added)) parts.push(`added: ${show(added)}`);
  if (show(removed)) parts.push(`removed: ${show(removed)}`);
  parts.push(...secretChanges(added, removed));
  return clip(parts.join('; '));
}

export function summarizeUsers(before: Record<string, string>, after: Record<string, string>): string {
  const added = Object.keys(after).filter((u) => !(u in before));
  const removed = Object.keys(before).filter((u) => !(u in after));
  const changed = Object.keys(after).filter((u) => u in before && before[u] !== after[u]);
  const parts: string[] = [];
  if (added.length) parts.push(`users added: ${added.join(', ')}`);
  if (removed.length) parts.push(`users removed: ${removed.join(', ')}`);
  if (changed.length) parts.push(`users changed: ${changed.join(', ')}`);
  return clip(parts.length ? parts.join('; ') : 'formatting changed (no user added, removed or changed)');
}

export function summarizeRuleset(before: string[], after: string[]): string {
  const { added, removed } = diffLines(before, after);
  const pptp = [...added, ...removed].some(touchesPptp);
  const show = (ls: string[]): string => ls.map((l) => `"${l.trim()}"`).join(', ');
  const parts = [pptp ? 'PPTP-relevant (TCP 1723 / GRE) rules changed' : 'ruleset changed'];
  if (added.length) parts.push(`added: ${show(added)}`);
  if (removed.length) parts.push(`removed: ${show(removed)}`);
  return clip(parts.join('; '));
}

export interface ConfigDriftOptions {
  intervalMs?: number;
  /** Extra files (absolute) treated as plain option files. */
  extraFiles?: string[];
  /** Read the firewall ruleset (nft, else iptables-save). */
  firewall?: boolean;
}

export function createConfigDriftCollector(ctx: CollectorContext, opts: ConfigDriftOptions = {}): Collector {
  const statePath = join(ctx.stateDir, 'config-drift.json');
  const files = [
    ...WATCHED_FILES.map((f) => ({ ...f, abs: join(ctx.etcRoot, f.path) })),
    ...(opts.extraFiles ?? []).map((abs) => ({ path: abs, kind: 'options' as FileKind, abs })),
  ];
  const keyPath = join(ctx.stateDir, 'config-drift.key');
  let state: DriftState | undefined;
  let key = '';

  function readState(): DriftState | undefined {
    try {
      return JSON.parse(readFileSync(statePath, 'utf8')) as DriftState;
    } catch {
      return undefined;
    }
  }
  function readKey(): string | undefined {
    try {
      // Narrowed like the API token (server/token.ts): the key is what makes the hashes unguessable.
      if ((statSync(keyPath).mode & 0o077) !== 0) chmodSync(keyPath, 0o600);
      const k = readFileSync(keyPath, 'utf8').trim();
      return /^[0-9a-f]{64}$/.test(k) ? k : undefined;
    } catch {
      return undefined;
    }
  }
  /** Writes the key file once ('wx'); if another process won the race, its key is the one. */
  function writeKey(k: string): string {
    mkdirSync(ctx.stateDir, { recursive: true });
    try {
      writeFileSync(keyPath, `${k}\n`, { mode: 0o600, flag: 'wx' });
      return k;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      return readKey() ?? k;
    }
  }
  function load(): DriftState {
    const s = readState();
    const fileKey = readKey();
    if (s?.key !== undefined) {
      // v2 or older: the key moves out (the same key, so every stored hash stays comparable).
      key = fileKey === s.key ? fileKey : (fileKey ?? writeKey(s.key));
      if (key !== s.key) s.files = {}; // a different key file: its hashes cannot be compared, re-baseline
      delete s.key;
      return s;
    }
    key = fileKey ?? writeKey(randomBytes(32).toString('hex'));
    // A state without its key (key file deleted): its hashes cannot be compared; baseline again
    // quietly rather than report every file as changed.
    if (s !== undefined && fileKey === undefined) return { v: STATE_VERSION, files: {} };
    return s ?? { v: STATE_VERSION, files: {} };
  }
  function save(s: DriftState): void {
    mkdirSync(ctx.stateDir, { recursive: true });
    writeFileSync(`${statePath}.tmp`, JSON.stringify(s), { mode: 0o600 });
    renameSync(`${statePath}.tmp`, statePath);
  }

  const tryRun = async (cmd: string, args: string[]): Promise<string | undefined> => {
    try {
      return await ctx.run(cmd, args);
    } catch {
      return undefined; // not installed or not permitted
    }
  };

  /**
   * nft shows nftables and iptables-nft rules; rules loaded with iptables-legacy live in the old
   * x_tables and nft cannot see them, so a non-empty iptables-legacy-save is added. Without nft,
   * iptables-save (legacy or nft, whichever the host's alternative is).
   */
  async function ruleset(): Promise<string | undefined> {
    const nft = await tryRun('nft', ['list', 'ruleset']);
    if (nft === undefined) return tryRun('iptables-save', []);
    const legacy = await tryRun('iptables-legacy-save', []);
    return legacy?.trim() ? `${nft}\n# iptables-legacy\n${legacy}` : nft;
  }

  return {
    name: 'config-drift',
    intervalMs: opts.intervalMs ?? 30_000,
    async collect(): Promise<Event[]> {
      const first = state === undefined;
      state ??= load();
      const known = state;
      // v3 moves the key out (load); before v2 hashes were plain SHA-256 and option lines verbatim.
      const upgrading = known.v !== STATE_VERSION;
      const out: Event[] = [];
      let dirty = false;
      for (const f of files) {
        const text = readText(f.abs);
        const before = known.files[f.path];
        const seenBefore = f.path in known.files;
        const now: FileState | null =
          text === undefined
            ? null
            : f.kind === 'options'
              ? { hash: fileHash(key, text), lines: significantLines(text).map((l) => redactLine(l, key)) }
              : f.kind === 'chap-secrets'
                ? { hash: fileHash(key, text), users: chapUsers(text, key) }
                : { hash: fileHash(key, text), servers: radiusServers(significantLines(text), key) };
        if (upgrading && before?.lines) before.lines = before.lines.map((l) => redactLine(l, key));
        const same =
          (before?.hash ?? null) === (now?.hash ?? null) ||
          (upgrading && before != null && text !== undefined && before.hash === sha(text));
        if (same && seenBefore) {
          if (upgrading) known.files[f.path] = now;
          continue;
        }
        known.files[f.path] = now;
        dirty = true;
        if (!seenBefore) continue; // first sight of this file: baseline only
        let summary: string;
        if (!now) summary = 'file removed';
        else if (!before) summary = 'file created';
        else if (f.kind === 'chap-secrets') summary = summarizeUsers(before.users ?? {}, now.users ?? {});
        else if (f.kind === 'secret')
          summary = before.servers
            ? summarizeServers(before.servers, now.servers ?? {})
            : 'content changed (secrets not shown)';
        else summary = summarizeOptions(before.lines ?? [], now.lines ?? []);
        out.push(
          collectorEvent(ctx, 'config-drift', 'sec.config.change', 'warning', { file: f.abs, summary }),
        );
      }
      if (opts.firewall ?? true) {
        const text = await ruleset();
        if (text !== undefined) {
          const lines = normalizeRuleset(text);
          const hash = sha(lines.join('\n'));
          const before = known.ruleset;
          if (before?.hash !== hash) {
            if (before) {
              const summary = summarizeRuleset(before.lines, lines);
              const sev = summary.startsWith('PPTP') ? 'critical' : 'warning';
              out.push(collectorEvent(ctx, 'config-drift', 'sec.firewall.change', sev, { summary }));
            }
            known.ruleset = { hash, lines };
            dirty = true;
          }
        }
      }
      if (upgrading) known.v = STATE_VERSION;
      if (dirty || first || upgrading) save(known);
      return out;
    },
  };
}
