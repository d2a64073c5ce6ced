import { webcrypto } from 'node:crypto';
import * as pkijs from 'pkijs';

let installed = false;

/**
 * Point pkijs at Node's WebCrypto, once per process. pkijs picks up
 * `globalThis.crypto` on its own when present; setting it explicitly keeps
 * the engine the same under every test runner and Node flag.
 */
export function ensureCryptoEngine(): void {
  if (installed) return;
  pkijs.setEngine('node-webcrypto', new pkijs.CryptoEngine({ name: 'node-webcrypto', crypto: webcrypto }));
  installed = true;
}

export function subtle(): webcrypto.SubtleCrypto {
  return webcrypto.subtle;
}
