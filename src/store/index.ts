/** The store's public face: the interface, the factory, retention and audit helpers. */
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
