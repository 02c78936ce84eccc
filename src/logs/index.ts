/** Public face of log intelligence: records in, events and sessions out. */
export { LogPipeline, type PipelineOptions, type UnclassifiedTemplate } from './pipeline.js';
export type { LogRecord, LineFormat, TimeSource } from './record.js';
export type { Session, SessionRole, Transport } from './session.js';
export { CLASSIFIERS } from './classify/index.js';
