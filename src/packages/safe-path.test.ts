import { describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { decodeUndeclaredName } from './name-encoding.js';
import { NameRegistry, safeRelativePath } from './safe-path.js';

describe('safeRelativePath', () => {
  it.each([
    ['a/b.txt', 'a/b.txt'],
    ['./a/b.txt', 'a/b.txt'],
    ['dir/', 'dir'],
    ['./', ''],
    ['cafe\u0301', 'caf\u00e9'],
    ['档案/文件.pdf', '档案/文件.pdf'],
  ])('%j → %j', (raw, want) => expect(safeRelativePath(raw)).toBe(want));

  it('converts zip backslashes only when asked', () => {
    expect(safeRelativePath('a\\b', { backslashIsSeparator: true })).toBe('a/b');
    expect(() => safeRelativePath('a\\b')).toThrow(expect.objectContaining({ code: 'E_BAD_NAME' }));
  });

  it.each([
    ['../x', 'E_PATH_TRAVERSAL'],
    ['a/../../x', 'E_PATH_TRAVERSAL'],
    ['a/..', 'E_PATH_TRAVERSAL'],
    ['/etc/passwd', 'E_ABSOLUTE_PATH'],
    ['c:x', 'E_ABSOLUTE_PATH'],
    ['a/./b', 'E_BAD_NAME'],
    ['a//b', 'E_BAD_NAME'],
    ['a\u0000b', 'E_BAD_NAME'],
    ['a\nb', 'E_BAD_NAME'],
    ['a\u009bb', 'E_BAD_NAME'],
  ])('refuses %j (%s)', (raw, code) => {
    expect(() => safeRelativePath(raw)).toThrow(expect.objectContaining({ code }));
  });

  it('escapes control characters in the message (no terminal escapes in reports)', () => {
    expect(() => safeRelativePath('x\u001b[31m')).toThrow(/x\\u001b\[31m/);
  });
});

describe('NameRegistry', () => {
  it('lists implied directories, refuses duplicates and file/dir clashes, warns on case', () => {
    const r = new NameRegistry();
    r.add('a/b/c.txt', 'file');
    r.add('a/b', 'dir');
    r.add('A/x', 'file');
    expect(r.directories()).toEqual(['A', 'a', 'a/b']);
    expect(r.warnings).toHaveLength(1);
    expect(() => r.add('a/b/c.txt', 'file')).toThrow(expect.objectContaining({ code: 'E_DUPLICATE_NAME' }));
    expect(() => r.add('a/b/c.txt/d', 'file')).toThrow(expect.objectContaining({ code: 'E_DUPLICATE_NAME' }));
    expect(() => r.add('a', 'file')).toThrow(expect.objectContaining({ code: 'E_DUPLICATE_NAME' }));
  });
});

describe('decodeUndeclaredName', () => {
  it('prefers strict UTF-8, falls back to GB18030, refuses undecodable bytes', () => {
    expect(decodeUndeclaredName(Buffer.from('中文'), 'zip')).toEqual({ name: '中文', encoding: 'utf-8' });
    expect(decodeUndeclaredName(iconv.encode('中文名', 'gbk'), 'zip')).toEqual({ name: '中文名', encoding: 'gb18030' });
    expect(() => decodeUndeclaredName(Buffer.from([0x81, 0x30, 0xff]), 'zip')).toThrow(
      expect.objectContaining({ code: 'E_BAD_NAME_ENCODING' }),
    );
  });
});
