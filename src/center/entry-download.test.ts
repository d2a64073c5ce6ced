/**
 * Issue 8 item 5: downloads of controlled PDFs carry a visible watermark with
 * the user and the time; open records come as registered, byte for byte; the
 * preserved original is untouched. Real deposit, store, qpdf and pdftotext.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { promisify } from 'node:util';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS, withTestDatabases } from '../../test/support/databases.js';
import { ANONYMOUS } from '../auth/index.js';
import { testAccount, testUnit, type TestAccount } from '../auth/test-support/accounts.js';
import { DEFAULT_CJK_FONT_PATHS } from '../certificate/index.js';
import type { Clock } from '../core/index.js';
import { decideAccessRequest, fileAccessRequest } from './access-requests.js';
import { importUnitCatalog } from './catalog.js';
import { Center } from './center.js';
import { requestCertifiedCopy } from './certified-copy.js';
import { deposit } from './deposit.js';
import { openCatalogEntryFile } from './entry-download.js';
import { runDueJobs } from './jobs.js';

const run = promisify(execFile);
const databases = withTestDatabases();
const DAY = 86_400_000;

async function chinesePdf(text: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const font = await doc.embedFont(await readFile(DEFAULT_CJK_FONT_PATHS[0]!), { subset: true });
  doc.addPage().drawText(text, { x: 60, y: 700, size: 18, font });
  return doc.save();
}

async function pdfText(bytes: Buffer, dir: string): Promise<string> {
  const file = join(dir, `${createHash('sha256').update(bytes).digest('hex')}.pdf`);
  await writeFile(file, bytes);
  return (await run('pdftotext', ['-enc', 'UTF-8', file, '-'])).stdout;
}

for (const dialect of TEST_DIALECTS) {
  describe(`downloading the record of a catalog entry on ${dialect}`, () => {
    let tmp: string;
    let center: Center;
    let now = Date.parse('2026-12-07T08:30:00.000Z');
    const clock: Clock = { now: () => new Date(now) };
    let reader: TestAccount;
    let operator: TestAccount;
    const ids: Record<string, number> = {};
    const originals: Record<string, Buffer> = {};

    beforeAll(async () => {
      tmp = await mkdtemp(join(tmpdir(), `yinji-download-${dialect}-`));
      center = await Center.open({
        dataDir: join(tmp, 'data'),
        config: { database: await databases.fresh(dialect) },
        clock,
      });
      await testUnit(center.db, 'U1');
      const other = await testUnit(center.db, 'U2');
      const source = join(tmp, 'src');
      await mkdir(source, { recursive: true });
      originals.open = Buffer.from(await chinesePdf('政府信息公开指南'));
      originals.controlled = Buffer.from(await chinesePdf('干部任免审批表'));
      await writeFile(join(source, 'open.pdf'), originals.open);
      await writeFile(join(source, 'appointment.pdf'), originals.controlled);
      await writeFile(join(source, 'notes.txt'), '控制的文本文件');
      await writeFile(join(source, 'scan.dat'), originals.controlled); // a PDF by its bytes, not its name
      await writeFile(
        join(source, '目录.csv'),
        '档号,题名,开放状态,计算机文件名\n' +
          'J001-WS·2020-Y-0001,政府信息公开指南,开放,open.pdf\n' +
          'J001-WS·2020-Y-0002,干部任免审批表,控制,appointment.pdf\n' +
          'J001-WS·2020-Y-0003,说明,控制,notes.txt\n' +
          'J001-WS·2020-Y-0005,扫描件,控制,scan.dat\n',
      );
      await deposit(center, { source, unit: 'U1' });
      // An entry with no deposited file: catalog information only.
      const sheet = join(tmp, 'sheet.csv');
      await writeFile(sheet, '档号,题名,开放状态\nJ001-WS·2020-Y-0004,只有目录的条目,开放\n');
      await importUnitCatalog(center, { file: sheet, unit: 'U1' });
      await runDueJobs(center);
      for (const e of await center.db.catalog.list({}, { kind: 'all' }, 0, 10)) ids[e.archivalCode.slice(-4)] = e.id;
      reader = await testAccount(center, { username: 'zhangsan', roles: ['depositor'], unit: other });
      operator = await testAccount(center, { username: 'op', roles: ['operator'] });
    });

    afterAll(async () => {
      await center.close();
      await rm(tmp, { recursive: true, force: true });
    });

    it('hands out an open record as registered, to anyone', async () => {
      const file = await openCatalogEntryFile(center, ANONYMOUS, ids['0001']!);
      expect(file).toMatchObject({ name: 'open.pdf', contentType: 'application/pdf', watermarked: false });
      expect((await buffer(file.stream)).equals(originals.open!)).toBe(true);
      // A certified copy of it is issued here, by this center.
      const copy = await requestCertifiedCopy(center, reader.actor, ids['0001']!, '办事证明');
      expect(copy.issuer).toBe(center.config.centerId);
      expect((await buffer(copy.stream)).subarray(0, 2).toString()).toBe('PK');
      // Not of a controlled one, even for staff: that would be an unmarked original.
      await expect(requestCertifiedCopy(center, operator.actor, ids['0002']!, '办事证明')).rejects.toMatchObject({
        code: 'E_FORBIDDEN',
      });
      await expect(openCatalogEntryFile(center, ANONYMOUS, ids['0004']!)).rejects.toMatchObject({
        code: 'E_NOT_FOUND',
        message: expect.stringContaining('no electronic file'),
      });
    });

    it('watermarks a controlled PDF with the reader, the time and the request, while the approval lasts', async () => {
      const id = ids['0002']!;
      await expect(openCatalogEntryFile(center, ANONYMOUS, id)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
      await expect(openCatalogEntryFile(center, reader.actor, id)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
      const request = await fileAccessRequest(center, reader.actor, { entryIds: [id], purpose: '核实任职经历' });
      await decideAccessRequest(center, operator.actor, request.id, { approve: true, days: 2 });

      const file = await openCatalogEntryFile(center, reader.actor, id);
      expect(file).toMatchObject({ name: 'appointment.pdf', watermarked: true });
      expect(file.sha256).toBeUndefined(); // not the registered bytes
      const copy = await buffer(file.stream);
      expect(copy.length).toBe(file.size);
      expect(copy.equals(originals.controlled!)).toBe(false);
      const text = await pdfText(copy, tmp);
      expect(text).toContain('干部任免审批表'); // the record itself
      expect(text).toContain('zhangsan');
      expect(text).toContain('2026-12-07 08:30 UTC');
      expect(text).toContain(`利用申请 #${request.id}`);
      // Each download is in the security audit log.
      const audit = await center.db.auditLog.list({ limit: 100 });
      expect(audit.filter((a) => a.action === 'access-download' && a.actor === 'zhangsan')).toHaveLength(1);

      // A non-PDF controlled record comes as registered (nothing to watermark it with).
      const notes = await openCatalogEntryFile(center, operator.actor, ids['0003']!);
      expect(notes.watermarked).toBe(false);
      expect((await buffer(notes.stream)).toString()).toBe('控制的文本文件');
      const scan = await openCatalogEntryFile(center, operator.actor, ids['0005']!);
      expect(scan.watermarked).toBe(true);
      expect(await pdfText(await buffer(scan.stream), tmp)).toContain('op · 2026-12-07 08:30 UTC');

      now += 3 * DAY;
      await expect(openCatalogEntryFile(center, reader.actor, id)).rejects.toMatchObject({ code: 'E_FORBIDDEN' });

      // Staff copies are watermarked too, naming the grounds.
      const staff = await openCatalogEntryFile(center, operator.actor, id);
      expect(staff.watermarked).toBe(true);
      expect(await pdfText(await buffer(staff.stream), tmp)).toContain('中心工作人员');
      // The preserved original is untouched.
      const reg = (await center.db.registrations.list({ limit: 1 })).items[0]!;
      const [stored] = (await center.db.registrations.versionFiles(reg.regno, 1)).filter(
        (f) => f.path === 'appointment.pdf',
      );
      expect(stored!.sha256).toBe(createHash('sha256').update(originals.controlled!).digest('hex'));
      const again = await center.store.openFile(reg.objectId, 'data/appointment.pdf', 1);
      expect((await buffer(again)).equals(originals.controlled!)).toBe(true);
    });
  });
}
