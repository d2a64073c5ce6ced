export * from './archival-code.js';
