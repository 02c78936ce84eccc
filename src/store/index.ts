/**
 * The store's public face. Typical use:
 *
 *   const store = await openStore(config.store);             // SQLite (default) or PostgreSQL
 *   const writer = new EventWriter({ store });                // batches bus events; samples derived
 *   bus.subscribe(writer.handler);
 *   const retention = startRetention(store, config.store);    // hourly by default
 *   ...
 *   await retention.stop(); await writer.close(); await store.close();
 *
 * Alerts/silences/acks/actions and the audit trail go straight through the Store methods
 * (types.ts); `pptpmon audit verify|export` (src/cli/audit.ts) checks and seals the trail.
 */
export * from './types.js';
export {
  openStore,
  retentionPolicy,
  startRetention,
  resolvePassword,
  StoreConfigError,
  type StoreConfig,
  type OpenOptions,
} from './open.js';
export { StoreInputError } from './codec.js';
export { RetentionScheduler, systemClock, type RetentionClock } from './retention.js';
export { AuditVerifier, auditHash, canonicalJson, GENESIS_HASH } from './audit.js';
export { SqliteStore } from './sqlite.js';
export type { PostgresStore, PostgresOptions } from './postgres.js';
export {
  exportAuditSegments,
  verifyAuditSegments,
  type AuditSeal,
  type ExportResult,
} from './audit-export.js';
export { EventWriter, type EventWriterOptions, type WriterStats, type WriterTimers } from './writer.js';
export { samplesFromEvent } from './samples.js';
