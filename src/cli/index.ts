/**
 * Command wiring only: each command lives in its own file under src/cli/ and registers itself in
 * COMMANDS below. Logic belongs to the domain folders.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { probeCommand } from './probe.js';
import { analyzeCommand } from './analyze.js';
import { auditCommand } from './audit.js';
import { agentCommand } from './agent.js';
import { runCommand } from './run.js';
import { serverCommand } from './server.js';
import { alertsCommand } from './alerts.js';

/** A command module adds itself to the program; its action sets the exit code it returns. */
export interface CliCommand {
  register(program: Command, setExit: (code: number) => void): void;
}

const COMMANDS: CliCommand[] = [
  probeCommand,
  analyzeCommand,
  auditCommand,
  agentCommand,
  runCommand,
  serverCommand,
  alertsCommand,
];

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
  for (const c of COMMANDS) c.register(program, (code) => (exitCode = code));
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
