import iconv from 'iconv-lite';
import type { Message } from '../../core/index.js';

/**
 * Turns the raw bytes of an XML file into the strings saxes reads, and back:
 * it remembers where each decoded string started in the file so a character
 * position saxes reports can be mapped to a byte offset. That is how the
 * reader captures the exact bytes of 被签名对象 without keeping them.
 *
 * The encoding comes from a BOM or the XML declaration (XML 1.0 §4.3.3,
 * Appendix F). DA/T 48 names GB 2312 and GB 18030 besides UTF-8, so GBK-family
 * names are decoded as GB 18030 (a superset); UTF-16 is refused.
 */
export class XmlTextDecoder {
  private decode: ((chunk: Buffer) => string) | undefined;
  private byteLength: (s: string) => number = (s) => Buffer.byteLength(s);
  /** Recent decoded strings with their first character index and first byte offset. */
  private readonly recent: { charStart: number; byteStart: number; text: string }[] = [];
  private chars = 0;
  private bytes = 0;
  encoding = 'utf-8';

  /** Decode the next chunk of the file. Throws a DecodeError on bytes the encoding cannot hold. */
  write(chunk: Buffer): string {
    let data = chunk;
    if (this.decode === undefined) data = this.start(chunk);
    const text = this.decode!(data);
    this.push(text);
    return text;
  }

  /** The byte offset in the file of character `index` of the decoded stream, if still remembered. */
  byteOffset(index: number): number | undefined {
    for (let i = this.recent.length - 1; i >= 0; i--) {
      const r = this.recent[i]!;
      if (index >= r.charStart && index <= r.charStart + r.text.length) {
        return r.byteStart + this.byteLength(r.text.slice(0, index - r.charStart));
      }
    }
    return undefined;
  }

  /** The character at `index` of the decoded stream, if still remembered. */
  charAt(index: number): string | undefined {
    for (let i = this.recent.length - 1; i >= 0; i--) {
      const r = this.recent[i]!;
      if (index >= r.charStart && index < r.charStart + r.text.length) return r.text[index - r.charStart];
    }
    return undefined;
  }

  private push(text: string): void {
    this.recent.push({ charStart: this.chars, byteStart: this.bytes, text });
    this.chars += text.length;
    this.bytes += this.byteLength(text);
    // Keep the newest string and at least 4096 characters before it: enough to
    // step back from the end of a tag name to its '<'.
    while (this.recent.length > 2 && this.chars - this.recent[1]!.charStart - this.recent.at(-1)!.text.length >= 4096) {
      this.recent.shift();
    }
  }

  private start(chunk: Buffer): Buffer {
    if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
      this.bytes = 3; // the BOM is not part of any decoded string
      this.useUtf8();
      return chunk.subarray(3);
    }
    if ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff)) {
      throw new DecodeError({
        zh: 'EEP 文件采用 UTF-16 编码，不受支持；请以 UTF-8 或 GB 18030 编码重新生成',
        en: 'the EEP is encoded in UTF-16, which is not supported; generate it again in UTF-8 or GB 18030',
      });
    }
    const head = chunk.subarray(0, 256).toString('latin1');
    const declared = /^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1];
    const name = declared?.toLowerCase() ?? 'utf-8';
    if (name === 'utf-8' || name === 'utf8') this.useUtf8();
    else if (['gb2312', 'gbk', 'x-gbk', 'gb18030', 'cp936'].includes(name)) this.useIconv('gb18030');
    else if (iconv.encodingExists(name) && !name.startsWith('utf-16') && !name.startsWith('utf16')) this.useIconv(name);
    else {
      throw new DecodeError({
        zh: `EEP 声明的字符编码“${declared}”不受支持；请以 UTF-8 或 GB 18030 编码重新生成`,
        en: `the EEP declares the encoding "${declared}", which is not supported; generate it again in UTF-8 or GB 18030`,
      });
    }
    this.encoding = name;
    return chunk;
  }

  private useUtf8(): void {
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    this.decode = (chunk) => {
      try {
        return decoder.decode(chunk, { stream: true });
      } catch (e) {
        throw new DecodeError(
          {
            zh: `EEP 文件在第 ${this.bytes} 字节附近含有不合法的 UTF-8 字节；文件已损坏或编码声明有误`,
            en: `the EEP holds invalid UTF-8 near byte ${this.bytes}; the file is damaged or its encoding is declared wrongly`,
          },
          e,
        );
      }
    };
  }

  private useIconv(name: string): void {
    const decoder = iconv.getDecoder(name);
    this.decode = (chunk) => decoder.write(chunk);
    this.byteLength = (s) => iconv.encode(s, name).length;
  }
}

/** Bytes that cannot be decoded: reported as a problem of the package, never thrown out of readEep. */
export class DecodeError extends Error {
  constructor(
    readonly reason: Message,
    cause?: unknown,
  ) {
    super(reason.en, cause === undefined ? undefined : { cause });
  }
}
