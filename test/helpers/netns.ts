/** Network namespaces that tests create (never the host's own): nftables rulesets inside them. */
import { spawn } from 'node:child_process';

/** Feeds `nft -f -` a ruleset on stdin inside namespace `ns` (argv only, no shell). */
export function nftIn(ns: string, rules: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`nft in ${ns}: ${err}`))));
    p.stdin.end(rules);
  });
}
