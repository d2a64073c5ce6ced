/**
 * Issue 8 items 1–2: a deposit's catalog becomes catalog entries linked to
 * the registration and its files, and the files' text is extracted into the
 * access store, so search finds a deposited record by words inside it — on
 * both databases, through the real job runner, store and extractors.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS, withTestDatabases } from '../../test/support/databases.js';
import { ANONYMOUS } from '../auth/index.js';
import { FsStorage } from '../store/index.js';
import { readCatalogEntry } from './access-requests.js';
import { openCatalogEntryFile } from './entry-download.js';
import { Center } from './center.js';
import { CATALOG_JOB } from './catalog-deposit.js';
import { importUnitCatalog, searchCenterCatalog } from './catalog.js';
import { deposit } from './deposit.js';
import { FULL_TEXT_JOB } from './full-text.js';
import { runDueJobs } from './jobs.js';

const databases = withTestDatabases();
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'yinji-catalog-deposit-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A unit's folder: two records described by 目录.csv (GBK, as 档案管理系统 export it) and a file it forgot. */
async function describedFolder(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, '关于社会保障卡发放工作的通知.txt'),
    iconv.encode('各乡镇：为做好城乡居民社会保障卡发放工作，现将有关事项通知如下。', 'gbk'),
  );
  await writeFile(
    join(dir, 'budget.html'),
    '<html><head><meta charset="utf-8"><title>预算</title><style>p{color:red}</style></head>' +
      '<body><p>二〇二〇年度部门预算&amp;决算公开说明，涉及农田水利建设资金。</p></body></html>',
  );
  const rows = [
    '档号,题名,责任者,日期,保管期限,开放状态,计算机文件名',
    'J001-WS·2020-Y-BGS-0001,关于社会保障卡发放工作的通知,县人社局,2020-03-02,永久,开放,关于社会保障卡发放工作的通知.txt',
    'J001-WS·2020-Y-BGS-0002,部门预算公开说明,县财政局,2020-05-11,永久,控制,budget.html',
  ];
  await writeFile(join(dir, '目录.csv'), iconv.encode(rows.join('\r\n') + '\r\n', 'gbk'));
  return dir;
}

for (const dialect of TEST_DIALECTS) {
  describe(`catalog entries and full text from deposits on ${dialect}`, () => {
    it('links the catalog rows to the registration and its files, and finds them by their text', async () => {
      const center = await Center.open({
        dataDir: join(tmp, `${dialect}-a`),
        config: { database: await databases.fresh(dialect) },
      });
      try {
        const source = await describedFolder(join(tmp, `${dialect}-a-src`));
        const { regno } = await deposit(center, { source, unit: 'U1' });
        // fixity, catalog, then the full-text job the catalog job queued
        expect(await runDueJobs(center)).toBe(3);
        const entries = await center.db.catalog.list({ regno }, { kind: 'all' }, 0, 100);
        expect(entries.map((e) => [e.archivalCode, e.filePath, e.openStatus, e.source])).toEqual([
          ['J001-WS·2020-Y-BGS-0001', '关于社会保障卡发放工作的通知.txt', 'open', 'deposit'],
          ['J001-WS·2020-Y-BGS-0002', 'budget.html', 'controlled', 'deposit'],
        ]);
        expect(entries.map((e) => e.unitCode)).toEqual(['U1', 'U1']);
        const texts = await center.db.catalog.texts(entries.map((e) => e.id));
        expect(texts.get(entries[0]!.id)).toContain('城乡居民社会保障卡发放');
        expect(texts.get(entries[1]!.id)).toContain('部门预算&决算公开说明');
        expect(texts.get(entries[1]!.id)).not.toContain('color'); // the style sheet is not text

        // A word only inside the file finds the entry: the public only the open one, an operator both.
        const operator = await searchCenterCatalog(center, { query: '农田水利', access: { kind: 'all' } });
        expect(operator.hits.map((h) => h.archivalCode)).toEqual(['J001-WS·2020-Y-BGS-0002']);
        expect(operator.hits[0]!.snippet).toContain('<mark>');
        const publicHits = await searchCenterCatalog(center, { query: '农田水利', access: { kind: 'open' } });
        expect(publicHits.total).toBe(0);
        const open = await searchCenterCatalog(center, { query: '城乡居民', access: { kind: 'open' } });
        expect(open.hits.map((h) => h.archivalCode)).toEqual(['J001-WS·2020-Y-BGS-0001']);

        const [catalogEvent] = (await center.db.events.listForRegistration(regno)).filter(
          (e) => e.type === CATALOG_JOB,
        );
        expect(catalogEvent?.outcome).toBe('success');
        expect(catalogEvent?.detail).toMatchObject({ catalogFile: '目录.csv', rows: 2, entries: 2, inserted: 2 });
        const [textJob] = await center.db.jobs.list({ kind: FULL_TEXT_JOB });
        expect(textJob?.result).toMatchObject({ entries: 2, withText: 2, extracted: 2, failed: 0 });
      } finally {
        await center.close();
      }
    });

    it('fills in entries a bulk import made, keeping the open status the archivist set', async () => {
      const center = await Center.open({
        dataDir: join(tmp, `${dialect}-b`),
        config: { database: await databases.fresh(dialect) },
      });
      try {
        // The unit's catalog was imported first; the archive opened entry 0002.
        const sheet = join(tmp, `${dialect}-b.csv`);
        await writeFile(sheet, '档号,题名,开放状态\nJ001-WS·2020-Y-BGS-0002,部门预算说明（旧题名）,开放\n');
        await importUnitCatalog(center, { file: sheet, unit: 'U1' });
        // The deposit's catalog says nothing about open status.
        const source = join(tmp, `${dialect}-b-src`);
        await mkdir(source, { recursive: true });
        await writeFile(join(source, 'budget.txt'), '部门预算公开说明的正文');
        await writeFile(
          join(source, '目录.csv'),
          '档号,题名,计算机文件名\nJ001-WS·2020-Y-BGS-0002,部门预算公开说明,budget.txt\n',
        );
        const { regno } = await deposit(center, { source, unit: 'U1' });
        await runDueJobs(center);
        const [entry, ...others] = await center.db.catalog.list({}, { kind: 'all' }, 0, 100);
        expect(others).toEqual([]);
        expect(entry).toMatchObject({
          archivalCode: 'J001-WS·2020-Y-BGS-0002',
          title: '部门预算公开说明',
          openStatus: 'open',
          regno,
          filePath: 'budget.txt',
        });
      } finally {
        await center.close();
      }
    });

    it('keeps the first row of a repeated 档号, and a re-imported sheet keeps the link to the deposit', async () => {
      const center = await Center.open({
        dataDir: join(tmp, `${dialect}-d`),
        config: { database: await databases.fresh(dialect) },
      });
      try {
        const source = join(tmp, `${dialect}-d-src`);
        await mkdir(source, { recursive: true });
        await writeFile(join(source, 'a.txt'), '第一份文件');
        await writeFile(join(source, 'b.txt'), '第二份文件');
        await writeFile(
          join(source, '目录.csv'),
          '档号,题名,开放状态,计算机文件名\n' +
            'J001-WS·2022-Y-0001,第一份,开放,a.txt\n' +
            'J001-WS·2022-Y-0001,重复的档号,开放,b.txt\n',
        );
        const { regno } = await deposit(center, { source, unit: 'U5' });
        await runDueJobs(center);
        const [job] = await center.db.jobs.list({ kind: CATALOG_JOB });
        expect(job).toMatchObject({ state: 'done', result: { rows: 2, rejected: 1 } });
        expect(JSON.stringify(job?.result)).toContain('重复');
        // The archive corrects the title by importing its sheet again: the entry stays linked to the file.
        const sheet = join(tmp, `${dialect}-d.csv`);
        await writeFile(sheet, '档号,题名,开放状态\nJ001-WS·2022-Y-0001,第一份（更正）,开放\n');
        await importUnitCatalog(center, { file: sheet, unit: 'U5' });
        const entries = await center.db.catalog.list({}, { kind: 'all' }, 0, 10);
        expect(entries.map((e) => [e.title, e.regno, e.filePath, e.source])).toEqual([
          ['第一份（更正）', regno, 'a.txt', 'deposit'],
        ]);
        // …and its text stays findable under the new title.
        const hits = await searchCenterCatalog(center, { query: '第一份文件', access: { kind: 'open' } });
        expect(hits.hits.map((h) => h.title)).toEqual(['第一份（更正）']);
      } finally {
        await center.close();
      }
    });

    it('without a catalog, makes one controlled entry per file, and a new version adds none twice', async () => {
      const center = await Center.open({
        dataDir: join(tmp, `${dialect}-c`),
        config: { database: await databases.fresh(dialect) },
      });
      try {
        const source = join(tmp, `${dialect}-c-src`);
        await mkdir(join(source, '会议'), { recursive: true });
        await writeFile(join(source, '会议', '2021年第一次党组会议纪要.txt'), '研究乡村振兴重点工作');
        await writeFile(join(source, 'notes.md'), '# 会议\n\n乡村振兴');
        const { regno } = await deposit(center, { source, unit: 'U2' });
        await runDueJobs(center);
        await writeFile(join(source, '补充说明.txt'), '补充的材料');
        await writeFile(join(source, 'notes.md'), '# 会议\n\n乡村旅游'); // changed: its text is read again
        await deposit(center, { source, unit: 'U2', to: regno });
        await runDueJobs(center);
        const entries = await center.db.catalog.list({ regno }, { kind: 'all' }, 0, 100);
        expect(entries.map((e) => [e.title, e.filePath, e.openStatus]).sort()).toEqual([
          ['2021年第一次党组会议纪要', '会议/2021年第一次党组会议纪要.txt', 'controlled'],
          ['notes', 'notes.md', 'controlled'],
          ['补充说明', '补充说明.txt', 'controlled'],
        ]);
        const titles = async (query: string): Promise<string[]> =>
          (await searchCenterCatalog(center, { query, access: { kind: 'all' } })).hits.map((h) => h.title);
        expect(await titles('乡村振兴')).toEqual(['2021年第一次党组会议纪要']);
        expect(await titles('乡村旅游')).toEqual(['notes']);
        expect(await titles('补充的材料')).toEqual(['补充说明']);
      } finally {
        await center.close();
      }
    });
  });
}

describe('a classified registration', () => {
  it('makes its entries controlled whatever its catalog says, and hides them from those not cleared', async () => {
    const center = await Center.open({
      dataDir: join(tmp, 'internal'),
      config: { database: await databases.fresh('sqlite') },
    });
    try {
      const source = await describedFolder(join(tmp, 'internal-src'));
      const { regno } = await deposit(center, { source, unit: 'U6', classification: 'internal' });
      await runDueJobs(center);
      const entries = await center.db.catalog.list({ regno }, { kind: 'all' }, 0, 10);
      expect(entries.map((e) => e.openStatus)).toEqual(['controlled', 'controlled']);
      expect((await searchCenterCatalog(center, { query: '城乡居民', access: { kind: 'open' } })).total).toBe(0);
      // Even an entry someone opens by hand stays out of reach of a reader without clearance.
      const sheet = join(tmp, 'internal.csv');
      await writeFile(sheet, '档号,题名,开放状态\nJ001-WS·2020-Y-BGS-0001,关于社会保障卡发放工作的通知,开放\n');
      await importUnitCatalog(center, { file: sheet, unit: 'U6' });
      const opened = (await center.db.catalog.list({ regno, openStatus: 'open' }, { kind: 'all' }, 0, 10))[0]!;
      await expect(readCatalogEntry(center, ANONYMOUS, opened.id)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
      await expect(openCatalogEntryFile(center, ANONYMOUS, opened.id)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    } finally {
      await center.close();
    }
  });
});

describe('full text of two versions registered before either job ran', () => {
  it("keeps the newer text: the older version's job leaves entries whose files changed since", async () => {
    const center = await Center.open({
      dataDir: join(tmp, 'versions'),
      config: { database: await databases.fresh('sqlite') },
    });
    try {
      const source = join(tmp, 'versions-src');
      await mkdir(source, { recursive: true });
      await writeFile(join(source, '报告.txt'), '初稿内容');
      const { regno } = await deposit(center, { source, unit: 'U7' });
      await writeFile(join(source, '报告.txt'), '定稿内容');
      await deposit(center, { source, unit: 'U7', to: regno });
      await runDueJobs(center);
      const jobs = await center.db.jobs.list({ kind: FULL_TEXT_JOB });
      expect(jobs.map((j) => [j.key, j.result?.superseded, j.result?.withText]).sort()).toEqual([
        [`${FULL_TEXT_JOB}:${regno}:v1:1`, 1, 0],
        [`${FULL_TEXT_JOB}:${regno}:v2:1`, 0, 1],
      ]);
      const [entry] = await center.db.catalog.list({ regno }, { kind: 'all' }, 0, 10);
      expect((await center.db.catalog.texts([entry!.id])).get(entry!.id)).toBe('定稿内容');
    } finally {
      await center.close();
    }
  });
});

describe('full text from a stored copy that rotted', () => {
  it('skips that file (the audits repair it) and still indexes the others', async () => {
    const center = await Center.open({
      dataDir: join(tmp, 'rot'),
      config: { database: await databases.fresh('sqlite') },
    });
    try {
      const source = join(tmp, 'rot-src');
      await mkdir(source, { recursive: true });
      await writeFile(join(source, 'good.txt'), '完好的文件内容');
      await writeFile(join(source, 'rotten.txt'), '将要损坏的文件');
      const { regno } = await deposit(center, { source, unit: 'U4' });
      const storage = new FsStorage(center.config.storageRoot);
      let stored = '';
      for await (const p of storage.list('', { recursive: true })) if (p.endsWith('rotten.txt')) stored = p;
      await writeFile(join(center.config.storageRoot, stored), '损坏');
      await runDueJobs(center);
      const [job] = await center.db.jobs.list({ kind: FULL_TEXT_JOB });
      expect(job).toMatchObject({ state: 'done', result: { extracted: 1, failed: 1, withText: 1 } });
      expect(JSON.stringify(job?.result)).toContain('与登记的摘要不符');
      const entries = await center.db.catalog.list({ regno }, { kind: 'all' }, 0, 10);
      const texts = await center.db.catalog.texts(entries.map((e) => e.id));
      expect([...texts.values()]).toEqual(['完好的文件内容']);
    } finally {
      await center.close();
    }
  });
});

describe('OCR of scanned records', () => {
  it('is reported as not run when Tesseract is missing, and the entry is kept without text', async () => {
    const center = await Center.open({
      dataDir: join(tmp, 'ocr-missing'),
      config: { database: await databases.fresh('sqlite'), ocrCommand: '/nonexistent/tesseract' },
    });
    try {
      const source = join(tmp, 'ocr-missing-src');
      await mkdir(source, { recursive: true });
      // A tiny valid PNG: the extractor must want OCR for it, not fail on it.
      await writeFile(join(source, 'scan.png'), Buffer.from(TINY_PNG, 'base64'));
      const { regno } = await deposit(center, { source, unit: 'U3' });
      await runDueJobs(center);
      const [entry] = await center.db.catalog.list({ regno }, { kind: 'all' }, 0, 10);
      expect(entry?.filePath).toBe('scan.png');
      expect((await center.db.catalog.texts([entry!.id])).size).toBe(0);
      const [job] = await center.db.jobs.list({ kind: FULL_TEXT_JOB });
      expect(job?.result).toMatchObject({ 'ocr-not-run': 1, withText: 0 });
      expect(JSON.stringify(job?.result)).toContain('tesseract-ocr-chi-sim');
    } finally {
      await center.close();
    }
  });
});

/** 1×1 white PNG. */
const TINY_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC';
