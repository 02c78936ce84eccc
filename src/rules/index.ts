/** Rules: the YAML rule language, the pure engine and the default PPTP rule pack. */
export * from './schema.js';
export * from './types.js';
export * from './engine.js';
export * from './defaults.js';
export { SessionTracker, type TrackedSession, type SessionChange } from './sessions.js';
export { loadRules, type RulesConfig } from './load.js';
