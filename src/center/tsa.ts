import { handleTimestampQuery } from '../timestamp/index.js';
import type { Center } from './center.js';

/** Answer an RFC 3161 time-stamp request with the center's built-in TSA (served at POST /tsa). */
export async function timestampQuery(center: Center, request: Uint8Array): Promise<Uint8Array> {
  const serial = BigInt(await center.db.sequences.next('rfc3161-serial'));
  return handleTimestampQuery(request, { identity: center.evidence.keys.tsa, serial, clock: center.clock });
}
