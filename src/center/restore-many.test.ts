import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS, withTestDatabases } from '../../test/support/databases.js';
import { Center } from './center.js';
import { deposit } from './deposit.js';
import { restoreMany, verifyRestored, type RestoreManyItem } from './restore-many.js';
import { RESTORED_MARKER } from './restore.js';

const databases = withTestDatabases();
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'yinji-restore-many-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Files (path → SHA-256) and directories of a tree, '/'-separated, the restore marker left out. */
async function treeOf(root: string): Promise<{ files: Record<string, string>; dirs: string[] }> {
  const files: Record<string, string> = {};
  const dirs: string[] = [];
  for (const e of await readdir(root, { withFileTypes: true, recursive: true })) {
    const rel = relative(root, join(e.parentPath, e.name)).split('\\').join('/');
    if (rel === RESTORED_MARKER) continue;
    if (e.isDirectory()) dirs.push(rel);
    else
      files[rel] = createHash('sha256')
        .update(await readFile(join(root, rel)))
        .digest('hex');
  }
  return { files, dirs: dirs.sort() };
}

/** The file in the storage root holding exactly `content` (to corrupt it as a damaged disk would). */
async function storedFileWith(storeRoot: string, content: Buffer): Promise<string> {
  for (const e of await readdir(storeRoot, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    if ((await stat(path)).size === content.length && (await readFile(path)).equals(content)) return path;
  }
  throw new Error('stored file not found');
}

function byRegno(items: readonly RestoreManyItem[]): Record<string, RestoreManyItem> {
  return Object.fromEntries(items.map((i) => [i.regno, i]));
}

for (const dialect of TEST_DIALECTS) {
  describe(`restore of many registrations on ${dialect}`, () => {
    let dir: string;
    let center: Center;
    const src: Record<string, string> = {};
    const regnos: Record<string, string> = {};
    const unique = Buffer.from(`独一无二的内容 ${dialect} `.repeat(50));

    beforeAll(async () => {
      dir = join(tmp, dialect);
      const database = await databases.fresh(dialect);
      center = await Center.open({ dataDir: join(dir, 'data'), config: { database } });

      // Unit 330100: a tree with Chinese names, an empty file and an empty directory; a registration with 2 versions.
      src.a = join(dir, 'src-a');
      await mkdir(join(src.a, '文书', '2026年'), { recursive: true });
      await mkdir(join(src.a, '空目录', '子目录'), { recursive: true });
      await writeFile(join(src.a, '文书', '2026年', '关于印发通知的函.txt'), '通知正文');
      await writeFile(join(src.a, '文书', '空文件.txt'), '');
      await writeFile(join(src.a, '照片 01.jpg'), Buffer.alloc(300_000, 7));
      await utimes(join(src.a, '照片 01.jpg'), new Date('2020-01-02T03:04:05Z'), new Date('2020-01-02T03:04:05Z'));
      regnos.a = (await deposit(center, { source: src.a, unit: '330100', title: '文书' })).regno;

      src.b = join(dir, 'src-b');
      await mkdir(join(src.b, '会计凭证'), { recursive: true });
      await writeFile(join(src.b, '会计凭证', '凭证 1.csv'), '科目,金额\n银行存款,100\n');
      regnos.b = (await deposit(center, { source: src.b, unit: '330100', title: '会计凭证' })).regno;
      await writeFile(join(src.b, '会计凭证', '凭证 2.csv'), '科目,金额\n应付账款,200\n');
      await writeFile(join(src.b, '会计凭证', '凭证 1.csv'), '科目,金额\n银行存款,101\n');
      const v2 = await deposit(center, { source: src.b, to: regnos.b });
      expect(v2.version).toBe(2);

      // Unit 甲单位: two registrations, one with content found nowhere else (the one the store damage hits).
      src.c = join(dir, 'src-c');
      await mkdir(join(src.c, '人事档案'), { recursive: true });
      await writeFile(join(src.c, '人事档案', '张三.pdf'), unique);
      await writeFile(join(src.c, 'readme.txt'), 'c');
      regnos.c = (await deposit(center, { source: src.c, unit: '甲单位', title: '人事' })).regno;

      src.d = join(dir, 'src-d');
      await mkdir(join(src.d, '空'), { recursive: true });
      await writeFile(join(src.d, '工程竣工图.dwg'), Buffer.alloc(70_000, 3));
      regnos.d = (await deposit(center, { source: src.d, unit: '甲单位', title: '图纸' })).regno;
    });

    afterAll(async () => {
      await center?.close();
    });

    const layout = (to: string) => ({
      [regnos.a!]: join(to, '330100', regnos.a!),
      [regnos.b!]: join(to, '330100', regnos.b!),
      [regnos.c!]: join(to, '甲单位', regnos.c!),
      [regnos.d!]: join(to, '甲单位', regnos.d!),
    });

    it('restores every registration byte-identically, verifies, and a rerun skips the completed ones', async () => {
      const to = join(dir, 'out-all');
      const progress: number[] = [];
      const result = await restoreMany(center, {
        to,
        verify: true,
        onProgress: (p) => progress.push(p.bytes),
      });
      expect(result.items.map((i) => i.status)).toEqual(['restored', 'restored', 'restored', 'restored']);
      expect(result.items.every((i) => i.verified === true)).toBe(true);
      expect(result.totals).toMatchObject({ registrations: 4, restored: 4, skipped: 0, failed: 0, verifyFailed: 0 });
      const items = byRegno(result.items);
      expect(items[regnos.b!]).toMatchObject({ version: 2, files: 2, unit: '330100' });

      const where = layout(to);
      expect((await readdir(to)).sort()).toEqual(['330100', '甲单位']);
      for (const k of ['a', 'b', 'c', 'd']) {
        expect(await treeOf(where[regnos[k]!]!)).toEqual(await treeOf(src[k]!));
        expect(items[regnos[k]!]!.to).toBe(where[regnos[k]!]);
      }
      expect((await stat(join(where[regnos.a!]!, '照片 01.jpg'))).mtime.toISOString()).toBe('2020-01-02T03:04:05.000Z');
      const marker = JSON.parse(await readFile(join(where[regnos.b!]!, RESTORED_MARKER), 'utf8')) as unknown;
      expect(marker).toMatchObject({ regno: regnos.b, version: 2, fileCount: 2 });
      expect(progress.at(-1)).toBe(result.items.reduce((n, i) => n + i.bytes, 0));
      expect(result.totals.bytes).toBe(progress.at(-1));

      // One 'restore' event and one audit entry per registration.
      for (const k of ['a', 'b', 'c', 'd']) {
        const events = await center.db.events.listForRegistration(regnos[k]!);
        expect(events.filter((e) => e.type === 'restore')).toHaveLength(1);
      }
      const audits = (await center.db.auditLog.list()).filter((e) => e.action === 'restore');
      expect(audits).toHaveLength(4);

      const rerun = await restoreMany(center, { to });
      expect(rerun.items.map((i) => i.status)).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
      expect(rerun.items.every((i) => i.code === undefined)).toBe(true);
      expect(rerun.totals).toMatchObject({ restored: 0, skipped: 4, bytes: 0 });
      expect((await center.db.auditLog.list()).filter((e) => e.action === 'restore')).toHaveLength(4);
    });

    it('--unit restores only that unit, as <to>/<regno>', async () => {
      const to = join(dir, 'out-unit');
      const result = await restoreMany(center, { to, unit: '甲单位' });
      expect(result.items.map((i) => i.regno)).toEqual([regnos.c, regnos.d].sort());
      expect(result.items.every((i) => i.status === 'restored')).toBe(true);
      expect((await readdir(to)).sort()).toEqual([regnos.c, regnos.d].sort());
      expect(await treeOf(join(to, regnos.c!))).toEqual(await treeOf(src.c!));
      await expect(restoreMany(center, { to: join(dir, 'out-none'), unit: '无此单位' })).rejects.toMatchObject({
        code: 'E_NOT_FOUND',
      });
    });

    it('skips a non-empty target without overwriting it, and redoes an interrupted one cleanly', async () => {
      const to = join(dir, 'out-conflict');
      const where = layout(to);
      await mkdir(where[regnos.a!]!, { recursive: true });
      await writeFile(join(where[regnos.a!]!, '别人的文件.txt'), '不要覆盖');
      // What a restore killed mid-way leaves: its hidden work directory, the target absent.
      const stale = `${where[regnos.c!]}.yinji-restore-deadbeef`;
      await mkdir(join(stale, '人事档案'), { recursive: true });
      await writeFile(join(stale, '人事档案', '张三.pdf'), 'half');

      const result = await restoreMany(center, { to });
      const items = byRegno(result.items);
      expect(items[regnos.a!]).toMatchObject({ status: 'skipped', code: 'E_CONFLICT', files: 0 });
      expect(items[regnos.a!]!.reason?.zh).toContain('不为空');
      expect(await readdir(where[regnos.a!]!)).toEqual(['别人的文件.txt']);
      expect(await readFile(join(where[regnos.a!]!, '别人的文件.txt'), 'utf8')).toBe('不要覆盖');
      for (const k of ['b', 'c', 'd']) expect(items[regnos[k]!]!.status).toBe('restored');
      expect(await treeOf(where[regnos.c!]!)).toEqual(await treeOf(src.c!));
      expect((await readdir(join(to, '甲单位'))).sort()).toEqual([regnos.c, regnos.d].sort());
    });

    it('verifyRestored catches a file changed or removed on disk after writing', async () => {
      const to = join(dir, 'out-unit');
      const target = join(to, regnos.c!);
      expect((await verifyRestored(center, { regno: regnos.c!, dir: target })).verified).toBe(true);
      const original = await readFile(join(target, 'readme.txt'));
      await writeFile(join(target, 'readme.txt'), 'x'); // same size, other bytes
      await rm(join(target, '人事档案', '张三.pdf'));
      const check = await verifyRestored(center, { regno: regnos.c!, dir: target });
      expect(check.verified).toBe(false);
      expect(check.problems.map((p) => [p.path, p.problem])).toEqual([
        ['readme.txt', 'digest'],
        ['人事档案/张三.pdf', 'missing'],
      ]);
      // A rerun with verify re-checks what an earlier run restored.
      const rerun = await restoreMany(center, { to, unit: '甲单位', verify: true });
      const items = byRegno(rerun.items);
      expect(items[regnos.c!]).toMatchObject({ status: 'skipped', verified: false });
      expect(items[regnos.d!]).toMatchObject({ status: 'skipped', verified: true });
      expect(rerun.totals.verifyFailed).toBe(1);
      await writeFile(join(target, 'readme.txt'), original);
    });

    it('a registration damaged in the store fails with E_DIGEST_MISMATCH; the others are restored', async () => {
      const stored = await storedFileWith(join(dir, 'data'), unique);
      const damaged = Buffer.from(unique);
      damaged[10] = damaged[10]! ^ 0xff;
      await writeFile(stored, damaged);
      try {
        const to = join(dir, 'out-damaged');
        const result = await restoreMany(center, { to, verify: true });
        const items = byRegno(result.items);
        expect(items[regnos.c!]).toMatchObject({ status: 'failed', code: 'E_DIGEST_MISMATCH', files: 0 });
        for (const k of ['a', 'b', 'd'])
          expect(items[regnos[k]!]).toMatchObject({ status: 'restored', verified: true });
        expect(result.totals).toMatchObject({ restored: 3, failed: 1 });
        // Nothing of the failed one is left: neither its directory nor a work directory.
        expect(await readdir(join(to, '甲单位'))).toEqual([regnos.d]);
      } finally {
        await writeFile(stored, unique);
      }
    });

    it('a stored file grown far past its registered size is a mismatch too', async () => {
      const stored = await storedFileWith(join(dir, 'data'), unique);
      await writeFile(stored, Buffer.concat([Buffer.from(unique), Buffer.alloc(64 << 20)]));
      try {
        const to = join(dir, 'out-grown');
        const result = await restoreMany(center, { to });
        expect(byRegno(result.items)[regnos.c!]).toMatchObject({
          status: 'failed',
          code: 'E_DIGEST_MISMATCH',
          files: 0,
        });
        expect(result.totals).toMatchObject({ restored: 3, failed: 1 });
      } finally {
        await writeFile(stored, unique);
      }
    });
  });
}
