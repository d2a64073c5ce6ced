export * from './clamd.js';
