/** Alerts: lifecycle, grouping by root cause, inhibition, silences, escalation, enrichment. */
export * from './manager.js';
export * from './notification.js';
export * from './policy.js';
export * from './matchers.js';
export * from './silences.js';
export { CronWindow } from './schedule.js';
export { DEFAULT_INHIBIT_RULES } from './defaults.js';
export { fingerprint } from './fingerprint.js';
export { redactText, redactRecord, REDACTED } from './redact.js';
export { AlertPersistence, toAlertRecord, type LoadReport } from './persist.js';
export { Alerting, type AlertingOptions } from './runtime.js';
export { AdminError, buildSilence, addSilence, expireSilence, addAck, type SilenceInput } from './admin.js';
export { alertEvent } from './runtime.js';
export {
  alertHistory,
  historyQuerySchema,
  type HistoryEntry,
  type HistoryQuery,
  type HistoryAck,
} from './history.js';
