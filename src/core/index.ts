export * from './errors.js';
export * from './clock.js';
export * from './regno.js';
export * from './logger.js';
export * from './canonical-json.js';
export * from './concurrency.js';
export * from './remote-error.js';
