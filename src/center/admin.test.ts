import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bootstrapCenter, setupCodeIfUnbootstrapped } from './admin.js';
import { Center } from './center.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'yinji-admin-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

it('gives a center started without init one setup code, keeps it valid across restarts, none once set up', async () => {
  const center = await Center.open({ dataDir: join(tmp, 'data') });
  try {
    const code = await setupCodeIfUnbootstrapped(center);
    expect(code).toMatch(/\S{8,}/);
    // A restart must not invalidate the code the operator already has.
    expect(await setupCodeIfUnbootstrapped(center)).toBeUndefined();
    const password = 'correct horse battery staple 2026';
    await bootstrapCenter(center, code!, {
      system: { username: 'sys', password },
      security: { username: 'sec', password },
      auditor: { username: 'aud', password },
    });
    expect(await setupCodeIfUnbootstrapped(center)).toBeUndefined();
  } finally {
    await center.close();
  }
});
