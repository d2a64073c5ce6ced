/**
 * s3rver in its own process, for benchmarks: `tsx bench/s3rver-process.ts`.
 *
 * Starts the same server the tests use (src/store/test-support/s3rver.ts: a
 * fresh temp directory, one bucket, the delimited-listing fix) and prints one
 * JSON line `{endpoint, bucket, accessKeyId, secretAccessKey}` on stdout. It
 * stops, removing its directory, when stdin closes or on SIGTERM/SIGINT.
 *
 * A separate process so the server does not share the benchmark's event loop:
 * in one process the S3 figures would measure client and server on one core.
 */
import { startS3rver } from '../src/store/test-support/s3rver.js';

const s3 = await startS3rver('yinji-bench');
let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await s3.stop();
  process.exit(0);
}
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
process.stdin.on('close', () => void stop());
process.stdin.resume();
console.log(
  JSON.stringify({
    endpoint: s3.endpoint,
    bucket: s3.bucket,
    accessKeyId: s3.credentials.accessKeyId,
    secretAccessKey: s3.credentials.secretAccessKey,
  }),
);
