/**
 * The lab CLI: `node --import tsx lab/cli.ts up|down|status|exec CMD...|session NAME|fault NAME ...`.
 * See lab/README.md. Output: human text, or JSON with --json.
 */
import { down, labHandle, status, up } from './src/lab.js';

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const args = argv.filter((a) => a !== '--json');
  const [cmd, ...rest] = args;
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  switch (cmd) {
    case 'up': {
      const r = await up(log);
      if (json) console.log(JSON.stringify(r));
      else
        console.log(
          r.started
            ? `lab started (pid ${r.state.pid}, boot ${r.state.bootSeconds.toFixed(1)} s)`
            : `lab already running (pid ${r.state.pid})`,
        );
      return 0;
    }
    case 'down':
      await down();
      console.log('lab down');
      return 0;
    case 'status': {
      const s = await status();
      console.log(
        json
          ? JSON.stringify(s)
          : `${s.healthy ? 'healthy' : s.running ? 'running but not answering' : 'not running'}${s.state ? ` (pid ${s.state.pid}, since ${s.state.startedAt})` : ''}`,
      );
      return s.healthy ? 0 : 1;
    }
    case 'exec': {
      if (rest.length === 0) throw new Error('usage: lab exec CMD [ARG...]');
      const r = await labHandle().exec(rest, 300_000);
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      return r.code;
    }
    default: {
      const { runCommand } = await import('./src/commands.js');
      return runCommand(cmd, rest, json);
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`lab: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
