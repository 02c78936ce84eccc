/** Public face of the `analyze` report: run it, or use its parts (aggregation, document, text). */
export { runAnalyze, type AnalyzeOptions } from './run.js';
export { Aggregator, isFailure, isPptp, type AnalyzeFilter, type SessionFigures } from './aggregate.js';
export { buildDocument, type AnalyzeDocument } from './document.js';
export { renderText } from './text.js';
export { parseTimeArg } from './time-arg.js';
