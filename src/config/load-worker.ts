/**
 * Worker side of loadConfigIsolated (isolated.ts): loads and validates the config, posts the result
 * (plain data: the schema's transforms yield numbers, strings, arrays and objects) or the error, and
 * ends, taking zod, yaml and the schemas with its isolate.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ConfigError, loadConfig } from './load.js';
import type { WorkerAnswer } from './isolated.js';

const { file } = workerData as { file: string | undefined };
let answer: WorkerAnswer;
try {
  answer = { ok: true, config: await loadConfig(file) };
} catch (err) {
  answer =
    err instanceof ConfigError
      ? { ok: false, where: err.where, problems: err.problems }
      : { ok: false, message: err instanceof Error ? err.message : String(err) };
}
parentPort?.postMessage(answer);
