/**
 * `pptpmon analyze FILE...`: offline log analysis (src/logs/report). Wiring only: options to
 * AnalyzeOptions, usage errors to exit code 2.
 */
import { setFlagsFromString } from 'node:v8';
import { Option, type Command } from 'commander';
import type { AnalyzeFilter } from '../logs/report/index.js';
import type { CliCommand } from './index.js';

interface AnalyzeFlags {
  json?: boolean;
  events?: boolean;
  sessions?: boolean;
  since?: string;
  until?: string;
  user?: string;
  peer?: string;
  host?: string;
  tz?: string;
}

const HELP_AFTER = `
Inputs: plain or gzip files (told apart by content), or - for stdin; several files (a rotated set like
"syslog.2.gz syslog.1 syslog", or logs of several hosts) are merged in time order. Line formats are
detected per line: BSD syslog (RFC 3164, with or without year and host), RFC 5424, journalctl -o json
and -o short-iso, OpenWrt logread, and pppd "logfile" lines with no prefix.

Exit codes:
  0  the analysis ran (damaged lines inside a readable file are reported, not an error)
  2  bad usage, or an input file missing or unreadable (the report for the other inputs is still printed)
Problems with the input (missing file, truncated gzip, invalid UTF-8, binary data, over-long lines) are
printed on stderr as FILE:LINE: message and listed in the report ("inputErrors" in --json).

Examples:
  pptpmon analyze /var/log/syslog.1 /var/log/syslog
  pptpmon analyze --json --since 2h /var/log/syslog
  journalctl -u pptpd -o json | pptpmon analyze -
`;

function fail(msg: string, setExit: (code: number) => void): void {
  process.stderr.write(`pptpmon analyze: ${msg}\n`);
  setExit(2);
}

export const analyzeCommand: CliCommand = {
  register(program: Command, setExit: (code: number) => void): void {
    program
      .command('analyze')
      .description('offline log analysis: sessions, failures with causes and evidence, top users/IPs')
      .argument('<file...>', 'log files (plain or .gz), - for stdin')
      .option('--json', 'one JSON document (sessions + summary) on stdout')
      .addOption(new Option('--events', 'NDJSON events on stdout, one per line').conflicts('json'))
      .option('--sessions', 'add the per-session table to the text report')
      .option(
        '--since <time>',
        'only sessions/events from this time (ISO 8601, "YYYY-MM-DD HH:MM", or an age like 2h)',
      )
      .option('--until <time>', 'only sessions/events up to this time (same forms as --since)')
      .option('--user <user>', 'only sessions/events of this user')
      .option('--peer <ip>', 'only sessions/events of this client (peer) IP')
      .option('--host <host>', 'only this host; lines that name no host are taken to be from it')
      .option('--tz <zone>', "IANA time zone of lines that carry none (default: this host's)")
      .addHelpText('after', HELP_AFTER)
      .action(async (files: string[], flags: AnalyzeFlags) => {
        // One run over a file, then exit: TurboFan compiles of the big classifier functions cost more
        // (0.15 s of compiler-thread CPU on the 1M-line benchmark, measured) than they save in one
        // pass; they stay in baseline code. Set at run time so other commands keep V8's defaults.
        setFlagsFromString('--max-optimized-bytecode-size=1000');
        // Loaded on use: other commands do not pay for the log stack at start-up.
        const { ZoneClock, hostTimeZone } = await import('../logs/formats/index.js');
        const { parseTimeArg } = await import('../logs/report/time-arg.js');
        let clock: InstanceType<typeof ZoneClock>;
        try {
          clock = new ZoneClock(flags.tz ?? hostTimeZone());
        } catch (err) {
          fail(`--tz: ${(err as Error).message}`, setExit);
          return;
        }
        const now = Date.now();
        const filter: AnalyzeFilter = {};
        for (const key of ['since', 'until'] as const) {
          const v = flags[key];
          if (v === undefined) continue;
          const t = parseTimeArg(v, clock, now);
          if (t instanceof Error) {
            fail(`--${key}: ${t.message}`, setExit);
            return;
          }
          filter[key === 'since' ? 'sinceMs' : 'untilMs'] = t;
        }
        if (flags.user !== undefined) filter.user = flags.user;
        if (flags.peer !== undefined) filter.peer = flags.peer;
        if (flags.host !== undefined) filter.host = flags.host;
        // `pptpmon analyze --events ... | head`: a reader that stops reading is not an error.
        process.stdout.on('error', (err: NodeJS.ErrnoException) => {
          if (err.code === 'EPIPE') process.exit(0);
          throw err;
        });
        // A large input is read on a worker thread: started now, it boots and reads while this
        // thread loads the analysis modules.
        const { startParallel } = await import('../logs/read/parallel.js');
        const { formatIssue } = await import('../logs/read/issues.js');
        const reader = await startParallel(files, {
          timeZone: clock.zone,
          onIssue: (i) => void process.stderr.write(`pptpmon analyze: ${formatIssue(i)}\n`),
        });
        const { runAnalyze } = await import('../logs/report/index.js');
        const code = await runAnalyze({
          ...(reader !== undefined ? { reader } : {}),
          files,
          output: flags.json ? 'json' : flags.events ? 'events' : 'text',
          sessionsTable: flags.sessions === true,
          filter,
          timeZone: clock.zone,
          ...(flags.host !== undefined ? { defaultHost: flags.host } : {}),
          write: (s) => void process.stdout.write(s),
          writeErr: (s) => void process.stderr.write(s),
        });
        setExit(code);
      });
  },
};
