export * from './kinds.js';
export * from './event.js';
export * from './bus.js';
