export * from './algorithms.js';
export * from './multi-digest.js';
