import { FORMAT_ITEMS } from './items/format-items.js';
import { INTEGRITY_ITEMS } from './items/integrity-items.js';
import { METADATA_ITEMS } from './items/metadata-items.js';
import { SECURITY_ITEMS } from './items/security-items.js';
import type { CheckItem } from './types.js';

/** Every check item Yinji knows; a profile chooses among them (checks/profile.ts). */
export const CHECK_CATALOG: readonly CheckItem[] = [
  ...INTEGRITY_ITEMS,
  ...METADATA_ITEMS,
  ...FORMAT_ITEMS,
  ...SECURITY_ITEMS,
];
