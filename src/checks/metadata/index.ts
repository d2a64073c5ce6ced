export * from '../../core/archival-code/index.js';
export * from './fields.js';
export * from './catalog.js';
export { codeKey, linkRecords } from './link.js';
export * from './series.js';
export * from './value-checks.js';
export * from './consistency-checks.js';
