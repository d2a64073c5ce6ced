import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tempDirs } from '../../packages/test-support/temp.js';
import { EepCollector } from './eep-collector.js';
import { readEep } from './eep-reader.js';
import {
  buildEep,
  FIXTURE_ATTACHMENT,
  FIXTURE_PDF,
  FIXTURE_RECORD,
  rsaIdentity,
  writeEepFixtures,
  type EepFixtures,
  type SigningIdentity,
} from './test-support/eep-fixtures.js';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const temp = tempDirs();
let fx: EepFixtures;
let signer: SigningIdentity;

beforeAll(async () => {
  signer = await rsaIdentity();
  fx = await writeEepFixtures(await temp.make(), signer);
});
afterAll(() => temp.cleanup());

/** Every file under dir, relative, '/'-separated. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe('readEep on a valid signed package', () => {
  it('decodes every 编码数据 into its 计算机文件名, hashing while writing', async () => {
    const out = await temp.make();
    const r = await readEep(fx.valid, out);
    expect(r.problems).toEqual([]);
    expect(r.files).toEqual([
      {
        path: '正文.pdf',
        size: FIXTURE_PDF.length,
        sha256: sha256(FIXTURE_PDF),
        declaredSize: FIXTURE_PDF.length,
        format: 'PDF',
      },
      {
        path: '附件/附件1.txt',
        size: FIXTURE_ATTACHMENT.length,
        sha256: sha256(FIXTURE_ATTACHMENT),
        declaredSize: FIXTURE_ATTACHMENT.length,
        format: 'TXT',
      },
    ]);
    expect(await readFile(join(out, '正文.pdf'))).toEqual(FIXTURE_PDF);
    // Nothing else is left behind (no temp directory).
    expect(await tree(out)).toEqual(['正文.pdf', '附件/附件1.txt']);
  });

  it('makes one catalog record per 文件实体 with DA/T 46 field names and linked files', async () => {
    const r = await readEep(fx.valid, await temp.make());
    expect(r.catalog.sources).toEqual(['valid.eep']);
    expect(r.catalog.records).toHaveLength(1);
    const rec = r.catalog.records[0]!;
    expect(rec.source).toBe('valid.eep 文件实体 1');
    expect(rec.fields).toMatchObject({
      全宗号: 'Z109',
      年度: '2024',
      保管期限: 'Y',
      室编件号: '1',
      件号: '1',
      题名: '关于开展电子文件登记备份工作的通知',
      责任者: '印记测试单位',
      日期: '20240501',
      密级: '公开',
      计算机文件名: '正文.pdf；附件/附件1.txt',
    });
    expect(rec.files).toEqual(['正文.pdf', '附件/附件1.txt']);
    expect(r.catalog.columns).toContain('题名');
    expect(r.declared).toEqual({
      fileCount: 2,
      files: ['正文.pdf', '附件/附件1.txt'],
      byteCount: FIXTURE_PDF.length + FIXTURE_ATTACHMENT.length,
    });
    expect(r.nested).toBe(0);
  });

  it('verifies the RSA-SHA256 signature over the exact bytes of 被签名对象', async () => {
    const r = await readEep(fx.valid, await temp.make());
    expect(r.signatures).toEqual([
      expect.objectContaining({
        object: { kind: 'package', ref: 'valid.eep 修改0-签名1' },
        algorithm: 'RSA-SHA256',
        status: 'verified',
      }),
    ]);
    expect(r.signatures[0]!.reason!.zh).toContain('未核验证书链');
  });
});

describe('readEep on bad packages: problems, never exceptions', () => {
  it('reports truncated XML, keeps files completed before the cut and deletes the one cut short', async () => {
    const out = await temp.make();
    const r = await readEep(fx.malformed, out);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.object).toEqual({ kind: 'package', ref: 'malformed.eep' });
    expect(r.problems[0]!.reason.zh).toMatch(/^EEP 不是格式正确的 XML/);
    expect(r.problems[0]!.details).toMatchObject({ line: expect.any(Number) });
    expect(r.files.map((f) => f.path)).toEqual(['正文.pdf']);
    expect(await tree(out)).toEqual(['正文.pdf']);
    expect(r.catalog.records).toEqual([]);
  });

  it('marks a signature invalid when the package was changed after signing', async () => {
    const r = await readEep(fx.tampered, await temp.make());
    expect(r.problems).toEqual([]);
    expect(r.catalog.records[0]!.fields['题名']).toBe('关于开展电子文件登记备份工作的决定');
    expect(r.signatures).toEqual([expect.objectContaining({ status: 'invalid', algorithm: 'RSA-SHA256' })]);
  });

  it('refuses a 计算机文件名 that climbs out of the package and writes nothing outside outDir', async () => {
    const parent = await temp.make();
    const out = join(parent, 'out');
    await writeFile(join(parent, 'marker'), '');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(out);
    const r = await readEep(fx.traversal, out);
    expect(r.problems).toEqual([
      expect.objectContaining({
        object: { kind: 'package', ref: 'traversal.eep' },
        details: expect.objectContaining({ code: 'E_PATH_TRAVERSAL', fileName: '../escape.txt' }),
      }),
    ]);
    expect(r.files).toEqual([]);
    expect(r.declared.files).toEqual([]);
    expect(existsSync(join(parent, 'escape.txt'))).toBe(false);
    expect(await tree(out)).toEqual([]);
  });

  it('reports a file that is not an EEP at all', async () => {
    const dir = await temp.make();
    const file = join(dir, 'other.xml');
    await writeFile(file, '<?xml version="1.0"?><html><body/></html>');
    const r = await readEep(file, await temp.make());
    expect(r.problems.map((p) => p.reason.en)).toEqual([expect.stringContaining('not an EEP')]);
    expect(r.files).toEqual([]);
  });

  it('reports an empty file and a UTF-16 file', async () => {
    const dir = await temp.make();
    await writeFile(join(dir, 'empty.eep'), '');
    await writeFile(join(dir, 'u16.eep'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<a/>', 'utf16le')]));
    const empty = await readEep(join(dir, 'empty.eep'), await temp.make());
    expect(empty.problems).toHaveLength(1);
    const u16 = await readEep(join(dir, 'u16.eep'), await temp.make());
    expect(u16.problems[0]!.reason.en).toContain('UTF-16');
  });

  it('lists missing required parts and a package type that contradicts the content', async () => {
    const dir = await temp.make();
    const file = join(dir, 'bare.eep');
    await writeFile(
      file,
      `<电子文件封装包 xmlns="http://www.saac.gov.cn/standards/ERM/encapsulation"><版本>2009</版本>
        <被签名对象 eep版本="2009"><封装包类型>修改型</封装包类型><封装内容/></被签名对象></电子文件封装包>`,
    );
    const r = await readEep(file, await temp.make());
    const en = r.problems.map((p) => p.reason.en);
    expect(en).toEqual(
      expect.arrayContaining([
        expect.stringContaining('"封装内容" lacks required child elements: 文件实体块'),
        expect.stringContaining('"被签名对象" lacks required child elements: 封装包创建时间, 封装包创建单位'),
        expect.stringContaining('"电子文件封装包" lacks required child elements: 封装包格式描述'),
        expect.stringContaining('修改型 (modified) but the package holds no 修改封装内容'),
      ]),
    );
  });

  it('reports Base64 that is not Base64 and does not keep the file', async () => {
    const dir = await temp.make();
    const built = buildEep(
      [{ fields: { 题名: 'x' }, documents: [{ name: 'a.txt', content: Buffer.from('hello world') }] }],
      [],
    );
    const file = join(dir, 'bad64.eep');
    await writeFile(file, built.xml.replace('aGVsbG8gd29ybGQ=', 'aGVsbG8*d29ybGQ='));
    const out = await temp.make();
    const r = await readEep(file, out);
    expect(r.problems.map((p) => p.reason.en)).toEqual([
      '编码数据 is not valid Base64 (a character outside the Base64 alphabet)',
    ]);
    expect(r.files).toEqual([]);
    expect(await tree(out)).toEqual([]);
  });

  it('rejects when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(readEep(fx.valid, await temp.make(), { signal: controller.signal })).rejects.toThrow();
  });
});

describe('readEep on a modified package (修改型)', () => {
  it('extracts the nested original under 原封装包/ and links the revision to reused data', async () => {
    const out = await temp.make();
    const r = await readEep(fx.modified, out);
    expect(r.problems).toEqual([]);
    expect(r.nested).toBe(1);
    expect(r.files.map((f) => f.path)).toEqual(['修订说明.txt', '原封装包/正文.pdf', '原封装包/附件/附件1.txt']);
    expect(r.catalog.records).toHaveLength(1); // the current version only
    expect(r.catalog.records[0]!.fields['题名']).toBe('关于开展电子文件登记备份工作的通知（修订）');
    expect(r.catalog.records[0]!.files).toEqual(['原封装包/正文.pdf', '修订说明.txt']);
  });

  it('verifies both the new signature and the original one it nests', async () => {
    const r = await readEep(fx.modified, await temp.make());
    expect(r.signatures.map((s) => [s.object.ref, s.status])).toEqual([
      ['modified.eep 修改1-签名1', 'verified'],
      ['modified.eep 原封装包/修改0-签名1', 'verified'],
    ]);
  });

  it('counts two levels of nesting', async () => {
    const dir = await temp.make();
    const first = buildEep([FIXTURE_RECORD], [signer]);
    const second = buildEep(
      [{ fields: { 题名: '二' }, documents: [{ name: 'b.txt', content: Buffer.from('b') }] }],
      [signer],
      first,
    );
    const third = buildEep(
      [{ fields: { 题名: '三' }, documents: [{ name: 'c.txt', content: Buffer.from('c') }] }],
      [signer],
      second,
    );
    await writeFile(join(dir, 'three.eep'), third.bytes);
    const r = await readEep(join(dir, 'three.eep'), await temp.make());
    expect(r.problems).toEqual([]);
    expect(r.nested).toBe(2);
    expect(r.files.map((f) => f.path)).toContain('原封装包/原封装包/正文.pdf');
    expect(r.signatures.every((s) => s.status === 'verified')).toBe(true);
    expect(r.signatures).toHaveLength(3);
  });
});

describe('streaming', () => {
  it('decodes content spanning many read chunks, CR LF line ends and GB 18030, and still verifies', async () => {
    const big = randomBytes(3 * 1024 * 1024 + 17);
    const record = { fields: { 题名: '大文件' }, documents: [{ name: '数据.bin', content: big }] };
    for (const options of [{}, { crlf: true }, { encoding: 'GB18030' as const, crlf: true }]) {
      const dir = await temp.make();
      const built = buildEep([record], [signer], undefined, options);
      await writeFile(join(dir, 'big.eep'), built.bytes);
      const out = await temp.make();
      const r = await readEep(join(dir, 'big.eep'), out);
      expect(r.problems).toEqual([]);
      expect(r.files).toEqual([expect.objectContaining({ path: '数据.bin', size: big.length, sha256: sha256(big) })]);
      expect(r.catalog.records[0]!.fields['题名']).toBe('大文件');
      expect(r.signatures.map((s) => s.status)).toEqual(['verified']);
    }
  });

  it('hands the Base64 text over in pieces of at most one read chunk, never the whole element', async () => {
    const big = randomBytes(2 * 1024 * 1024);
    const dir = await temp.make();
    await writeFile(
      join(dir, 'big.eep'),
      buildEep([{ fields: {}, documents: [{ name: 'x.bin', content: big }] }], []).bytes,
    );
    const spy = vi.spyOn(EepCollector.prototype, 'onText');
    try {
      const r = await readEep(join(dir, 'big.eep'), await temp.make());
      expect(r.files[0]!.sha256).toBe(sha256(big));
      const longest = Math.max(...spy.mock.calls.map(([text]) => text.length));
      expect(longest).toBeLessThanOrEqual(64 * 1024);
    } finally {
      spy.mockRestore();
    }
  });
});
