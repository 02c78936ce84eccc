/**
 * Config loading for the long-lived agent (issue 5: <= 80 MB RSS at 10,000 sessions). Validation needs
 * zod (~95 modules with every locale), yaml and the schemas of every section: about 4.5 MB of live heap
 * that a process keeps for its whole life once loaded (ES modules are never unloaded), for a job done
 * once at start. Here it runs in a worker thread whose isolate is torn down before the config is
 * returned; the agent keeps only the plain result. Same validation, same ConfigError (file, path of
 * each problem) as loadConfig.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ConfigError } from './error.js';
import type { Config } from './schema.js';

export type WorkerAnswer =
  | { ok: true; config: Config }
  | { ok: false; where: string; problems: string[] }
  | { ok: false; message: string };

export async function loadConfigIsolated(file: string | undefined): Promise<Config> {
  // The worker is a sibling file: .js in dist/, .ts when src/ runs through tsx (tests, development).
  // A single-file bundle (the lab's esbuild build) has no sibling: it validates in-process.
  const underTsx = import.meta.url.endsWith('.ts');
  const script = new URL(underTsx ? './load-worker.ts' : './load-worker.js', import.meta.url);
  if (!existsSync(fileURLToPath(script))) return (await import('./load.js')).loadConfig(file);
  const answer = await new Promise<WorkerAnswer>((resolve, reject) => {
    let got: WorkerAnswer | undefined;
    const w = underTsx
      ? // node 20 does not apply `--import tsx` to workers: register tsx's loader, then the script.
        new Worker(
          `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})` +
            `.then((tsx) => tsx.register()).then(() => import(${JSON.stringify(script.href)}))`,
          { eval: true, workerData: { file } },
        )
      : new Worker(script, { workerData: { file } });
    w.on('message', (m: WorkerAnswer) => (got = m));
    w.on('error', reject);
    // Resolved on exit, not on the message: the worker's heap is gone before the agent builds its own.
    w.on('exit', (code) =>
      got ? resolve(got) : reject(new Error(`config loader worker exited with code ${code}`)),
    );
  });
  if (answer.ok) return answer.config;
  if ('where' in answer) throw new ConfigError(answer.where, answer.problems);
  throw new Error(answer.message);
}
