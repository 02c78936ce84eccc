/** Session and fault commands of the lab CLI (`lab session ...`, `lab fault ...`); see lab/README.md. */
import { labPaths, loadNet } from './config.js';
import { applyFault, clearFaults, FAULTS, isFault, undoFault } from './faults.js';
import { acquireFlock } from './proc.js';
import { sessionName, startSession, stopSession, type Profile } from './session.js';

function takeOpt(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined) throw new Error(`${flag} needs a value`);
  args.splice(i, 2);
  return v;
}
function takeFlag(args: string[], flag: string): boolean {
  const i = args.indexOf(flag);
  if (i >= 0) args.splice(i, 1);
  return i >= 0;
}

export async function runCommand(cmd: string | undefined, argsIn: string[], json: boolean): Promise<number> {
  const args = [...argsIn];
  const net = loadNet();
  const paths = labPaths();
  // Short exclusive section: the same lock the tests hold, so the CLI never trips a running test.
  const locked = async <T>(fn: () => Promise<T>): Promise<T> => {
    const release = await acquireFlock(paths.exclusiveLock, 15 * 60_000);
    try {
      return await fn();
    } finally {
      await release();
    }
  };
  switch (cmd) {
    case 'session': {
      // lab session USER [--password P] [--radius] [--no-mppe] [--bind ADDR] [--name LINKNAME]
      const password = takeOpt(args, '--password');
      const bind = takeOpt(args, '--bind');
      const name = takeOpt(args, '--name');
      const profile: Profile | undefined = takeFlag(args, '--radius') ? 'radius' : undefined;
      const noMppe = takeFlag(args, '--no-mppe');
      const user = args[0] ?? 'alice';
      const o = {
        user,
        noMppe,
        ...(password ? { password } : {}),
        ...(bind ? { bind } : {}),
        ...(profile ? { profile } : {}),
      };
      const r = await locked(() => startSession(net, paths, name ?? sessionName(user), o));
      if (json) console.log(JSON.stringify(r));
      else
        console.log(
          `${r.ok ? 'UP' : 'FAILED'} ${r.name}: pppd rc ${r.rc}, ${r.secondsToUp} s${r.ok ? `, ${r.ifname} ${r.local} -> ${r.peer}` : ''}\nclient log: ${r.clientLog}`,
        );
      return r.ok ? 0 : 1;
    }
    case 'session-stop': {
      if (!args[0]) throw new Error('usage: lab session-stop LINKNAME');
      await stopSession(paths, args[0]);
      console.log(`stopped ${args[0]}`);
      return 0;
    }
    case 'fault': {
      const undo = takeFlag(args, '--undo');
      const [name, ...rest] = args;
      if (!name || !isFault(name))
        throw new Error(`usage: lab fault NAME [ARGS] [--undo]; NAME is one of ${FAULTS.join(', ')}`);
      if (undo) {
        await locked(() => undoFault(net, paths, name, rest));
        console.log(`undone: ${name}`);
        return 0;
      }
      const r = await locked(() => applyFault(net, paths, name, rest));
      if (json) console.log(JSON.stringify({ name: r.name, detail: r.detail, sessions: r.sessions }));
      else
        console.log(
          `${r.name}: ${r.detail}${r.sessions.length ? `\n${r.sessions.map((s) => `  ${s.name} rc=${s.rc}${s.ok ? ` ${s.local}` : ''}`).join('\n')}` : ''}`,
        );
      return 0;
    }
    case 'clear-faults':
      await locked(() => clearFaults(net, paths));
      console.log('all faults cleared');
      return 0;
    default:
      throw new Error(
        `unknown lab command "${cmd ?? ''}" (up|down|status|exec|session|session-stop|fault|clear-faults)`,
      );
  }
}
