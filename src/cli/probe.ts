/**
 * `pptpmon probe HOST`: registers the command and its flags (ARCHITECTURE.md contracts). The action
 * lives in probe-action.ts and is imported on use: the probe modules (PPP, crypto, LDAP client) would
 * otherwise load for every pptpmon command.
 */
import type { Command } from 'commander';
import type { CliCommand } from './index.js';
import type { ProbeFlags } from './probe-action.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export const probeCommand: CliCommand = {
  register(program: Command, setExit) {
    program
      .command('probe')
      .description('probe a PPTP server layer by layer from this vantage point')
      .argument('<host>', 'PPTP server name or address')
      .option(
        '--check <list>',
        'comma-separated checks, e.g. tcp,control,gre (an unknown name lists the registered ones)',
      )
      .option('--json', 'print one JSON document {target, vantage, ok, checks, events}')
      .option('--nagios', 'print one Nagios line with perfdata; exit 0/1/2/3')
      .option('--vantage <name>', 'name of this vantage point (default: this host name)')
      .option('-w, --warning <ms[,loss%]>', 'warning threshold for --nagios')
      .option('-c, --critical <ms[,loss%]>', 'critical threshold for --nagios')
      .option(
        '--user <user>',
        'test user for login/radius checks (password from --password-file or PPTPMON_PASSWORD)',
      )
      .option('--password-file <file>', 'file holding the test user password')
      .option(
        '--radius-secret-file <file>',
        'file holding the RADIUS shared secret (or PPTPMON_RADIUS_SECRET)',
      )
      .option('--radius-server <host>', 'RADIUS server (default: HOST)')
      .option('--radius-port <n>', 'RADIUS authentication port (default 1812)')
      .option(
        '--radius-method <m>',
        'status (RFC 5997), pap or mschapv2 (default: pap with --user, else status)',
      )
      .option('--radius-retries <n>', 'RADIUS retransmissions (default 2)')
      .option('--ldap-url <url>', 'LDAP server URL (default ldap://HOST:389)')
      .option(
        '--ldap-bind-dn <dn>',
        'DN to bind as (password: --ldap-password-file, PPTPMON_LDAP_PASSWORD or the --user one)',
      )
      .option('--ldap-password-file <file>', 'file holding the LDAP bind password')
      .option('--ldap-base <dn>', 'search base for the LDAP search step')
      .option('--ldap-filter <filter>', 'LDAP search filter (default (objectClass=*))')
      .option('--port <n>', 'PPTP control port (default 1723)')
      .option('--timeout <ms>', 'deadline for each network step (default 5000)')
      .option(
        '--state-file <file>',
        'where the last control fingerprint is kept (a path that is not a regular file keeps none)',
      )
      .option('--opt <key=value>', 'probe-specific setting (repeatable)', collect, [])
      .option('--push <url>', "send the probe events to a pptpmon server's ingest (multi-vantage rules)")
      .option('--token-file <file>', 'bearer token for --push (the server.tokenFile of that server)')
      .option('--ca-file <file>', 'CA certificate for an https --push URL with a private CA')
      .action(async (host: string, flags: ProbeFlags) => {
        const { probeAction } = await import('./probe-action.js');
        await probeAction(host, flags, setExit);
      });
  },
};
