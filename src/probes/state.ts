/**
 * ProbeStateStore implementations: in memory (tests, long-running agents that persist elsewhere) and a
 * small JSON file (the CLI, so `pptpmon probe` run from cron still notices a changed fingerprint).
 */
import { lstat, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { ProbeStateStore } from './types.js';

export class MemoryStateStore implements ProbeStateStore {
  private readonly map = new Map<string, string>();
  async get(key: string): Promise<string | undefined> {
    return this.map.get(key);
  }
  async set(key: string, value: string): Promise<void> {
    this.map.set(key, value);
  }
}

/** Default location: $XDG_STATE_HOME/pptpmon/probe-state.json, else ~/.local/state/pptpmon/. */
export function defaultStateFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME || path.join(homedir(), '.local', 'state');
  return path.join(base, 'pptpmon', 'probe-state.json');
}

export class FileStateStore implements ProbeStateStore {
  constructor(private readonly file: string) {}

  /**
   * Whether the path may be used: missing or a regular file. Anything else (`/dev/null`, a FIFO, a
   * directory, a symlink) means "keep no state": reading a FIFO would block, and the write-then-rename
   * in set() once turned the machine's /dev/null into a plain file when given `--state-file /dev/null`.
   */
  private async usable(): Promise<boolean> {
    try {
      return (await lstat(this.file)).isFile();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
      throw err;
    }
  }

  private async load(): Promise<Record<string, string>> {
    if (!(await this.usable())) return {};
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
        return out;
      }
    } catch {
      // A corrupt file is treated as empty and rewritten: it only holds cache-like state.
    }
    return {};
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.load())[key];
  }

  async set(key: string, value: string): Promise<void> {
    if (!(await this.usable())) return;
    const data = await this.load();
    data[key] = value;
    await mkdir(path.dirname(this.file), { recursive: true });
    // Write then rename, so a crash never leaves a half-written file.
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(data, null, 2) + '\n', { mode: 0o600 });
    await rename(tmp, this.file);
  }
}
