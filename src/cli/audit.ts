/**
 * `pptpmon audit verify|export`: checks the audit hash chain (src/store/audit.ts) and writes sealed
 * daily segments (src/store/audit-export.ts). Wiring only.
 *
 * Exit codes of `verify`: 0 the chain (and any sealed segments given) verify; 1 a record was edited,
 * inserted or deleted (each one printed with its seq and what failed); 2 bad usage, bad config or the
 * store cannot be opened.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import {
  exportAuditSegments,
  openStore,
  verifyAuditSegments,
  type AuditProblem,
  type Store,
} from '../store/index.js';
import type { CliCommand } from './index.js';

interface VerifyFlags {
  config?: string;
  segments?: string;
  json?: boolean;
}

interface ExportFlags {
  config?: string;
  dir: string;
}

async function withStore<T>(
  configFile: string | undefined,
  setExit: (code: number) => void,
  fn: (store: Store) => Promise<T>,
): Promise<void> {
  let store: Store;
  try {
    store = await openStore((await loadConfig(configFile)).store, { mustExist: true });
  } catch (err) {
    process.stderr.write(`pptpmon audit: ${err instanceof Error ? err.message : String(err)}\n`);
    setExit(2);
    return;
  }
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

function line(p: AuditProblem): string {
  return `seq ${p.seq}: ${p.problem}: ${p.detail}`;
}

export const auditCommand: CliCommand = {
  register(program: Command, setExit: (code: number) => void): void {
    const audit = program.command('audit').description('check and export the tamper-evident audit trail');
    audit
      .command('verify')
      .description('verify the audit hash chain; names every edited, inserted or deleted record')
      .option('-c, --config <file>', 'pptpmon.yaml (default: built-in defaults)')
      .option('--segments <dir>', 'also compare against sealed daily segments written by `audit export`')
      .option('--json', 'one JSON document on stdout')
      .action(async (flags: VerifyFlags) => {
        await withStore(flags.config, setExit, async (store) => {
          const res = await store.verifyAudit();
          if (flags.segments !== undefined) {
            res.problems.push(...(await verifyAuditSegments(store, flags.segments)));
            res.ok = res.problems.length === 0;
          }
          if (flags.json) process.stdout.write(`${JSON.stringify(res)}\n`);
          else if (res.ok) process.stdout.write(`audit: ${res.checked} records, chain intact\n`);
          else {
            process.stdout.write(`audit: ${res.checked} records, ${res.problems.length} problem(s)\n`);
            for (const p of res.problems) process.stdout.write(`${line(p)}\n`);
          }
          setExit(res.ok ? 0 : 1);
        });
      });
    audit
      .command('export')
      .description('write a sealed NDJSON segment per complete UTC day (never rewrites one)')
      .option('-c, --config <file>', 'pptpmon.yaml (default: built-in defaults)')
      .requiredOption('--dir <dir>', 'directory for audit-YYYY-MM-DD.ndjson files')
      .action(async (flags: ExportFlags) => {
        await withStore(flags.config, setExit, async (store) => {
          const res = await exportAuditSegments(store, flags.dir, new Date());
          for (const f of res.written) process.stdout.write(`sealed ${f}\n`);
          if (res.written.length === 0) process.stdout.write('audit export: nothing new to seal\n');
          setExit(0);
        });
      });
  },
};
