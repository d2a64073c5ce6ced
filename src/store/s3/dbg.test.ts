import { it } from 'vitest';
import { patternStream } from '../storage.suite.js';
import { startS3rver } from '../test-support/s3rver.js';
import { S3Storage } from './s3-storage.js';
it('dbg', async () => {
  const s3 = await startS3rver();
  const s = new S3Storage({ bucket: s3.bucket, prefix: 'q/root', endpoint: s3.endpoint, credentials: s3.credentials });
  for (const p of ['r/b/2', 'r/a', 'r/b/1', 'r/c/d/e', 'top']) await s.writeBytes(p, p);
  for (const pr of ['', 'r', 'r/c', 'r/c/d']) console.log(pr, await s.listDirs(pr));
  const out = []; for await (const p of s.list('r/c')) out.push(p); console.log(out);
  const w = new S3Storage({ bucket: s3.bucket, endpoint: s3.endpoint, credentials: { accessKeyId: 'nope', secretAccessKey: 'x' } });
  console.log(await w.writeBytes('x', 'y').catch((e) => e));
  const e = await s.put('n', patternStream(20 << 20), { expected: { algorithm: 'sha256', digest: '0'.repeat(64) } }).catch((e) => e);
  console.log(e, e.cause);
  await s.close(); await w.close();
  await s3.stop();
});
