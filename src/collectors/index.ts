/**
 * The collector registry: one line per collector. The agent builds every enabled one from here;
 * nothing else lists collector names.
 */
import type { CollectorContext, Collector } from './types.js';
import { createProcessesCollector, type ProcessesOptions } from './processes.js';
import { createSessionsCollector, type SessionsOptions } from './sessions.js';
import { createSystemCollector, type SystemOptions } from './system.js';
import { createNetstatCollector, type NetstatOptions } from './netstat.js';
import { createConfigDriftCollector, type ConfigDriftOptions } from './config-drift.js';

export interface CollectorOptions {
  processes?: ProcessesOptions;
  sessions?: SessionsOptions;
  system?: SystemOptions;
  netstat?: NetstatOptions;
  'config-drift'?: ConfigDriftOptions;
}
export type CollectorName = keyof CollectorOptions;

export const COLLECTORS: {
  [K in CollectorName]: (ctx: CollectorContext, o?: CollectorOptions[K]) => Collector;
} = {
  processes: createProcessesCollector,
  sessions: createSessionsCollector,
  system: createSystemCollector,
  netstat: createNetstatCollector,
  'config-drift': createConfigDriftCollector,
};

export const COLLECTOR_NAMES = Object.keys(COLLECTORS) as CollectorName[];

export * from './types.js';
export type { SessionsCollector, LiveSession, LogSessionInfo } from './sessions.js';
