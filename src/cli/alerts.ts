/**
 * `pptpmon alerts list|ack` and `pptpmon alerts silence add|list|expire`: operator actions on the
 * store that `pptpmon run`/`server` pick up within seconds (Alerting syncs silences and acks).
 * Wiring only: validation and audit are in src/alerts/admin.ts.
 * Exit codes: 0 done; 1 not found (unknown fingerprint or silence id); 2 bad usage, bad input,
 * bad config or the store cannot be opened.
 */
import { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import {
  AdminError,
  addAck,
  addSilence,
  alertHistory,
  buildSilence,
  expireSilence,
  formatMatcher,
  historyQuerySchema,
} from '../alerts/index.js';
import { parseAdminDuration } from '../alerts/admin.js';
import { openStore, type Store } from '../store/index.js';
import type { CliCommand } from './index.js';

interface Common {
  config?: string;
  json?: boolean;
}

async function withStore(
  flags: Common,
  setExit: (code: number) => void,
  fn: (store: Store) => Promise<number>,
): Promise<void> {
  let store: Store;
  try {
    store = await openStore((await loadConfig(flags.config)).store, { mustExist: true });
  } catch (err) {
    process.stderr.write(`pptpmon alerts: ${err instanceof Error ? err.message : String(err)}\n`);
    setExit(2);
    return;
  }
  try {
    setExit(await fn(store));
  } catch (err) {
    if (!(err instanceof AdminError)) throw err;
    process.stderr.write(`pptpmon alerts: ${err.message}\n`);
    setExit(2);
  } finally {
    await store.close();
  }
}

const out = (s: string): void => void process.stdout.write(`${s}\n`);
const collect = (v: string, prev: string[]): string[] => [...prev, v];

interface HistoryFlags extends Common {
  since?: string;
  until?: string;
  limit?: string;
}

/** The history options, on `alerts list` and on the parser behind `alerts --history`. */
function historyOptions(cmd: Command): Command {
  return cmd
    .option('--since <when>', 'resolved at or after: a duration back from now (7d) or an ISO time', '24h')
    .option('--until <when>', 'started before: a duration back from now or an ISO time (default now)')
    .option('--limit <n>', 'at most this many, newest first (1..1000)', '100');
}

/** Resolved alerts from the store: start, end, root or explained-by, who acknowledged. */
async function printHistory(flags: HistoryFlags, setExit: (code: number) => void): Promise<void> {
  await withStore(flags, setExit, async (store) => {
    const q = historyQuerySchema(Date.now()).safeParse({
      ...(flags.since !== undefined ? { since: flags.since } : {}),
      ...(flags.until !== undefined ? { until: flags.until } : {}),
      ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
    });
    if (!q.success) {
      const i = q.error.issues[0];
      process.stderr.write(`pptpmon alerts: --${i?.path.join('.') ?? ''}: ${i?.message ?? 'invalid'}\n`);
      return 2;
    }
    const list = await alertHistory(store, q.data);
    if (flags.json) out(JSON.stringify({ alerts: list }));
    else if (list.length === 0) out('no resolved alerts');
    else
      for (const a of list) {
        const why = a.explainedBy !== undefined ? `explained by ${a.explainedBy}` : 'root';
        const acked = a.acknowledgedBy.length
          ? `  acked by ${a.acknowledgedBy.map((k) => k.by).join(', ')}`
          : '';
        out(
          `${a.fingerprint}  ${a.severity.padEnd(8)} ${a.rule}  ${a.labels.host ?? ''}  ${a.startsAt} -> ${a.endsAt} (${a.durationSeconds}s)  ${why}${acked}  ${a.summary}`,
        );
      }
    return 0;
  });
}

export const alertsCommand: CliCommand = {
  register(program: Command, setExit) {
    const alerts = program
      .command('alerts')
      .description('list and acknowledge alerts, manage silences and maintenance windows')
      // `pptpmon alerts --history [-c FILE] [--since 7d] ...` = `alerts list --history ...`. Only
      // --history is the parent's own option: a parent -c/--json would take them from the subcommands
      // (commander reads parent options after the subcommand name too).
      .option('--history', 'resolved alerts from the store (as `alerts list --history`)')
      .allowUnknownOption()
      .allowExcessArguments()
      .action(async (flags: { history?: boolean }, cmd: Command) => {
        if (!flags.history) {
          if (cmd.args.length)
            process.stderr.write(`pptpmon alerts: unknown command or option: ${cmd.args.join(' ')}\n`);
          cmd.outputHelp();
          setExit(2);
          return;
        }
        const parser = historyOptions(
          new Command('alerts --history')
            .exitOverride()
            .option('-c, --config <file>', 'pptpmon.yaml')
            .option('--json', 'one JSON document on stdout'),
        );
        parser.parse(cmd.args, { from: 'user' });
        await printHistory(parser.opts<HistoryFlags>(), setExit);
      });
    historyOptions(
      alerts
        .command('list')
        .description(
          'alerts firing now (--all: also resolved; --history: resolved ones with start, end, acks)',
        )
        .option('-c, --config <file>', 'pptpmon.yaml')
        .option('--all', 'include resolved alerts')
        .option('--history', 'resolved alerts in --since/--until, newest first, with root and acks')
        .option('--json', 'one JSON document on stdout'),
    ).action(async (flags: HistoryFlags & { all?: boolean; history?: boolean }, cmd: Command) => {
      // `alerts list --history`: commander gives --history to the parent (it declares it too).
      if (flags.history || cmd.parent?.opts<{ history?: boolean }>().history)
        return printHistory(flags, setExit);
      await withStore(flags, setExit, async (store) => {
        const list = flags.all ? await store.queryAlerts({ limit: 500 }) : await store.activeAlerts();
        if (flags.json) out(JSON.stringify({ alerts: list }));
        else if (list.length === 0) out('no alerts');
        else
          for (const a of list) {
            const silenced = a.annotations.silencedBy ? ` [silenced: ${a.annotations.silencedBy}]` : '';
            const explained = a.annotations.explainedBy ? ` [explained by ${a.annotations.explainedBy}]` : '';
            out(
              `${a.fingerprint}  ${a.status.padEnd(8)} ${a.severity.padEnd(8)} ${a.rule}  ${a.labels.host ?? ''}  ${a.annotations.summary ?? ''}${silenced}${explained}`,
            );
          }
        return 0;
      });
    });
    alerts
      .command('ack <fingerprint>')
      .description('acknowledge: stops escalation and reminders (for --for, then escalation resumes)')
      .option('-c, --config <file>', 'pptpmon.yaml')
      .requiredOption('--by <name>', 'who acknowledges')
      .option('--for <duration>', 'the ack lapses after this long, e.g. 2h')
      .option('--comment <text>', 'why / what is being done')
      .action(async (fp: string, flags: Common & { by: string; for?: string; comment?: string }) => {
        await withStore(flags, setExit, async (store) => {
          const firing = (await store.activeAlerts()).some((a) => a.fingerprint === fp);
          if (!firing) {
            process.stderr.write(`pptpmon alerts: no firing alert with fingerprint ${fp}\n`);
            return 1;
          }
          const now = Date.now();
          const opts: { untilMs?: number; comment?: string } = {};
          if (flags.for !== undefined) opts.untilMs = now + parseAdminDuration('--for', flags.for);
          if (flags.comment !== undefined) opts.comment = flags.comment;
          const ack = await addAck(store, fp, flags.by, now, opts);
          out(`acknowledged ${fp} by ${ack.by}${ack.until ? ` until ${ack.until}` : ''}`);
          return 0;
        });
      });
    const silence = alerts.command('silence').description('silences and recurring maintenance windows');
    silence
      .command('add')
      .description('mute matching alerts (kept and shown, not notified)')
      .option('-c, --config <file>', 'pptpmon.yaml')
      .requiredOption(
        '-m, --match <matcher>',
        'label matcher, e.g. alertname="cpu-high" or host=~"vpn[12]" (repeatable)',
        collect,
        [],
      )
      .requiredOption('--by <name>', 'who silences')
      .option('--for <duration>', 'how long, e.g. 2h (default: until expired)')
      .option('--until <time>', 'end time, ISO 8601')
      .option('--start <time>', 'start time, ISO 8601 (default now)')
      .option('--cron <expr>', 'recurring window start, 5-field cron, e.g. "30 2 * * 0"')
      .option('--tz <zone>', 'IANA time zone of --cron, e.g. Europe/Berlin')
      .option('--window <duration>', 'length of each recurring window, e.g. 1h')
      .option('--comment <text>', 'why')
      .action(
        async (
          flags: Common & {
            match: string[];
            by: string;
            for?: string;
            until?: string;
            start?: string;
            cron?: string;
            tz?: string;
            window?: string;
            comment?: string;
          },
        ) => {
          await withStore(flags, setExit, async (store) => {
            const now = Date.now();
            const s = buildSilence(
              {
                matchers: flags.match,
                by: flags.by,
                ...(flags.comment !== undefined ? { comment: flags.comment } : {}),
                ...(flags.start !== undefined ? { startsAt: flags.start } : {}),
                ...(flags.for !== undefined ? { duration: flags.for } : {}),
                ...(flags.until !== undefined ? { endsAt: flags.until } : {}),
                ...(flags.cron !== undefined ? { cron: flags.cron } : {}),
                ...(flags.tz !== undefined ? { timezone: flags.tz } : {}),
                ...(flags.window !== undefined ? { windowDuration: flags.window } : {}),
              },
              now,
            );
            const stored = await addSilence(store, s, now);
            out(flags.json ? JSON.stringify(stored) : `silence ${stored.id} added`);
            return 0;
          });
        },
      );
    silence
      .command('list')
      .description('silences in force now (recurring ones while their overall range lasts)')
      .option('-c, --config <file>', 'pptpmon.yaml')
      .option('--json', 'one JSON document on stdout')
      .action(async (flags: Common) => {
        await withStore(flags, setExit, async (store) => {
          const list = await store.silences(new Date().toISOString());
          if (flags.json) out(JSON.stringify({ silences: list }));
          else if (list.length === 0) out('no silences');
          else
            for (const s of list) {
              const when = s.schedule
                ? `${s.schedule.cron} ${s.schedule.timezone} for ${s.schedule.durationMs / 60_000}m`
                : `until ${s.endsAt ?? 'expired'}`;
              out(
                `${s.id}  ${s.matchers.map(formatMatcher).join(',')}  ${when}  by ${s.createdBy}${s.comment ? `: ${s.comment}` : ''}`,
              );
            }
          return 0;
        });
      });
    silence
      .command('expire <id>')
      .description('end a silence now (it stays in history)')
      .option('-c, --config <file>', 'pptpmon.yaml')
      .requiredOption('--by <name>', 'who ends it')
      .action(async (id: string, flags: Common & { by: string }) => {
        await withStore(flags, setExit, async (store) => {
          if (!(await expireSilence(store, id, flags.by, Date.now()))) {
            process.stderr.write(`pptpmon alerts: no silence ${id}\n`);
            return 1;
          }
          out(`silence ${id} expired`);
          return 0;
        });
      });
  },
};
