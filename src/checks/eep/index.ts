export type { EepFile, EepReadOptions, EepReadResult } from './eep-model.js';
export { readEep } from './eep-reader.js';
export { EEP_NAMESPACE } from './eep-names.js';
