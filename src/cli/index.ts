/**
 * Command wiring only: each command lives in its own file under src/cli/ and registers itself in
 * COMMANDS below. Logic belongs to the domain folders.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
/** A command module adds itself to the program; its action sets the exit code it returns. */
export interface CliCommand {
  register(program: Command, setExit: (code: number) => void): void;
}

/**
 * The registry: command name -> its module, imported only when that command runs. Importing every
 * command up front cost 0.4-0.5 s of CPU per invocation (the agent/server stack), which a Nagios
 * check run every minute, or `analyze` in a pipe, should not pay.
 */
const COMMANDS: Record<string, () => Promise<CliCommand>> = {
  analyze: async () => (await import('./analyze.js')).analyzeCommand,
  probe: async () => (await import('./probe.js')).probeCommand,
  agent: async () => (await import('./agent.js')).agentCommand,
  run: async () => (await import('./run.js')).runCommand,
  server: async () => (await import('./server.js')).serverCommand,
  alerts: async () => (await import('./alerts.js')).alertsCommand,
  audit: async () => (await import('./audit.js')).auditCommand,
};

/** The command named on the command line, if it is one of ours; otherwise every command (for help). */
async function commandsFor(argv: string[]): Promise<CliCommand[]> {
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  const only = first !== undefined ? COMMANDS[first] : undefined;
  if (only) return [await only()];
  // --version needs no command at all; --help and unknown commands need them all.
  if (first === undefined && argv.some((a) => a === '-V' || a === '--version')) return [];
  return Promise.all(Object.values(COMMANDS).map((load) => load()));
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command('pptpmon')
    .description('Monitoring, alerting and remediation for PPTP VPN servers')
    .version(version())
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const c of await commandsFor(argv)) c.register(program, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version are "errors" to commander with exit code 0; usage errors are 2 by contract.
      return err.exitCode === 0 ? 0 : 2;
    }
    throw err;
  }
  return exitCode;
}
