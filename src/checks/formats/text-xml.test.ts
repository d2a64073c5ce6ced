import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../../packages/test-support/temp.js';
import { Gb18030Validator } from './text.js';
import { probeBytes, problemsOf } from './test-support/probe-bytes.js';

const temp = tempDirs();
let dir: string;
beforeAll(async () => {
  dir = await temp.make();
});
afterAll(temp.cleanup);

describe('plain text', () => {
  it('identifies UTF-8 and GB18030 text and rejects binary', async () => {
    expect(await probeBytes(dir, '档案 text\n', 'a.txt')).toMatchObject({
      format: 'text',
      version: 'UTF-8',
      valid: true,
    });
    expect(await probeBytes(dir, iconv.encode('𠀀 四字节字符 €', 'gb18030'), 'b.txt')).toMatchObject({
      format: 'text',
      version: 'GB18030',
    });
    expect((await probeBytes(dir, Buffer.from([0x41, 0x00, 0x42]), 'c.txt')).format).toBe('unknown');
    expect((await probeBytes(dir, Buffer.from([0x41, 0x07, 0x42]), 'd.txt')).format).toBe('unknown');
  });

  it('validates past the sniffed head and says where the bad bytes are', async () => {
    const head = Buffer.from('中'.repeat(40_000), 'utf8'); // 120 000 bytes, well past the 64 KiB head
    const bad = Buffer.concat([head, Buffer.from([0xe4, 0x41]), Buffer.from('tail')]);
    const r = await probeBytes(dir, bad, 'bad.txt');
    expect(r).toMatchObject({ format: 'text', valid: false });
    expect(problemsOf(r)).toEqual([`bytes from offset ${head.length} are not valid UTF-8`]);
    const nul = Buffer.concat([head, Buffer.from([0x00])]);
    expect(problemsOf(await probeBytes(dir, nul, 'nul.txt'))).toEqual([
      `NUL byte at offset ${head.length}: not plain text`,
    ]);
  });

  it('handles multi-byte characters split across read chunks', async () => {
    const text = Buffer.from('a' + '档案馆'.repeat(700_000), 'utf8'); // > 2 MiB, chunk edges fall mid-character
    expect(await probeBytes(dir, text, 'long.txt')).toMatchObject({ format: 'text', valid: true });
    const gb = iconv.encode('a' + '档案馆'.repeat(700_000), 'gb18030');
    expect(await probeBytes(dir, gb, 'long-gb.txt')).toMatchObject({ version: 'GB18030', valid: true });
  });

  it('validates GB18030 byte structure (GB18030-2005 §6)', () => {
    const v = new Gb18030Validator();
    expect(v.push(Buffer.from([0x41, 0xb5, 0xb5, 0x81, 0x30, 0x81, 0x30]), 0)).toBe(-1);
    expect(v.end()).toBe(-1);
    expect(new Gb18030Validator().push(Buffer.from([0x41, 0x80]), 10)).toBe(11);
    expect(new Gb18030Validator().push(Buffer.from([0xb5, 0x20]), 0)).toBe(0);
    const cut = new Gb18030Validator();
    expect(cut.push(Buffer.from([0x41, 0x81, 0x30]), 0)).toBe(-1);
    expect(cut.end()).toBe(1);
  });

  it('tells HTML from XML', async () => {
    expect(await probeBytes(dir, '<!DOCTYPE html><html><p>unclosed</html>', 'a.html')).toMatchObject({
      format: 'html',
      extensionMismatch: false,
    });
    expect((await probeBytes(dir, '<html><body></body></html>', 'a.txt')).format).toBe('html');
  });
});

describe('XML well-formedness', () => {
  it('decodes the declared encoding (GBK) and catches bytes that contradict it', async () => {
    const xml = '<?xml version="1.0" encoding="GBK"?>\n<目录><题名>关于档案工作的通知</题名></目录>';
    expect(await probeBytes(dir, iconv.encode(xml, 'gbk'), 'gbk.xml')).toMatchObject({ format: 'xml', valid: true });
    const lying = iconv.encode(xml.replace('GBK', 'UTF-8'), 'gbk');
    expect(problemsOf(await probeBytes(dir, lying, 'lying.xml'))).toEqual([
      'XML bytes do not match the declared encoding',
    ]);
  });

  it('reads UTF-16 with a byte order mark', async () => {
    const xml = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('<?xml version="1.0" encoding="UTF-16"?><a>档</a>', 'utf16le'),
    ]);
    expect(await probeBytes(dir, xml, 'u16.xml')).toMatchObject({ format: 'xml', valid: true });
  });

  it('streams a document larger than one read', async () => {
    const rows = '<row><档号>J001-WS·2024-Y-0001</档号></row>\n'.repeat(60_000);
    expect(await probeBytes(dir, `<?xml version="1.0"?><rows>${rows}</rows>`, 'big.xml')).toMatchObject({
      valid: true,
    });
    const r = await probeBytes(dir, `<?xml version="1.0"?><rows>${rows}<row></rows>`, 'bigbad.xml');
    expect(problemsOf(r)).toEqual([
      expect.stringMatching(/^XML is not well-formed \(line 60001, column \d+\): unexpected close tag/),
    ]);
  });

  it('takes internal entities as declared and never fetches external ones', async () => {
    const internal = '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY org "国家档案局">]><a>&org;</a>';
    expect(await probeBytes(dir, internal, 'ent.xml')).toMatchObject({ valid: true });
    const external = '<?xml version="1.0"?><!DOCTYPE a SYSTEM "http://127.0.0.1:9/never.dtd"><a>&defined-there;</a>';
    expect(await probeBytes(dir, external, 'ext.xml')).toMatchObject({ valid: true });
    expect(problemsOf(await probeBytes(dir, '<a>&undeclared;</a>', 'undeclared.xml'))).toEqual([
      expect.stringMatching(/undefined entity/),
    ]);
  });

  it('wants namespace prefixes bound and one root element', async () => {
    expect(problemsOf(await probeBytes(dir, '<x:a/>', 'ns.xml'))).toEqual([
      expect.stringMatching(/unbound namespace prefix/),
    ]);
    expect((await probeBytes(dir, '<a/><b/>', 'two.xml')).valid).toBe(false);
  });

  it('reports an unsupported declared encoding', async () => {
    expect(problemsOf(await probeBytes(dir, '<?xml version="1.0" encoding="x-klingon"?><a/>', 'k.xml'))).toEqual([
      'XML declares an unsupported encoding "x-klingon"',
    ]);
  });
});
