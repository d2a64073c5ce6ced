export * from './fixity.js';
export * from './job-runner.js';
