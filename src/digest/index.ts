export * from './algorithms.js';
export * from './multi-digest.js';
export * from './digest-workers.js';
