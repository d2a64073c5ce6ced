import type { Message } from '../../core/index.js';
import { isYinjiError } from '../../core/index.js';
import { NameRegistry, safeRelativePath } from '../../packages/safe-path.js';
import { printable } from '../../packages/package-error.js';
import { Base64Stream } from './base64-stream.js';
import { E, layerPrefix } from './eep-names.js';
import type { EepFile } from './eep-model.js';
import type { FileSink, OpenFile } from './file-sink.js';

interface EncodingDraft {
  readonly id: string | undefined;
  /** Leaves of 电子属性 etc. by name: 计算机文件名, 计算机文件大小, 格式信息, 反编码关键字 … */
  readonly props: Map<string, string>;
  dataId?: string;
  refId?: string;
  file?: OpenFile;
  base64?: Base64Stream;
  sawData: boolean;
  failed: boolean;
}

type Report = (reason: Message, details?: Record<string, unknown>) => void;

/**
 * The content side of an EEP: each 编码 ("one computer file", DA/T 48 Annex A)
 * becomes a file under its checked 计算机文件名, decoded from 编码数据 as the
 * text streams in; 引用编码数据ID links a revision to data its original holds.
 */
export class EepContent {
  readonly files: EepFile[] = [];
  /** Every file the package declares, whether or not it carried content. */
  readonly declaredFiles: string[] = [];
  readonly declaredSizes: (number | undefined)[] = [];

  private readonly names = new NameRegistry();
  private readonly dataIds = new Map<string, string>();
  private readonly refs: { files: string[] | undefined; refId: string; line: number }[] = [];
  private encoding: EncodingDraft | undefined;
  /** An accepted 编码数据 is open: text is Base64 content. */
  private dataOpen = false;
  private count = 0;

  constructor(
    private readonly sink: FileSink,
    private readonly report: Report,
    private readonly line: () => number,
  ) {}

  openEncoding(id: string | undefined): void {
    this.encoding = { id, props: new Map(), sawData: false, failed: false };
  }

  /** Keep a leaf of the open 编码 (first value wins); false when no 编码 is open. */
  property(name: string, text: string): boolean {
    const enc = this.encoding;
    if (enc === undefined || name === E.encodedData || name === E.encoding) return false;
    if (!enc.props.has(name)) enc.props.set(name, text);
    return true;
  }

  openData(dataId: string | undefined, refId: string | undefined): void {
    const enc = this.encoding;
    if (enc === undefined) {
      this.report({ zh: '编码数据不在“编码”元素内，已忽略', en: '编码数据 outside an 编码 element was ignored' });
      return;
    }
    if (enc.sawData) {
      this.report({
        zh: '一个“编码”含有多个编码数据，只保留第一个',
        en: 'an 编码 holds more than one 编码数据; only the first is kept',
      });
      return;
    }
    enc.sawData = true;
    this.dataOpen = true;
    enc.dataId = dataId;
    enc.refId = refId;
    enc.file = this.sink.open();
    enc.base64 = new Base64Stream();
  }

  /** Decode `text` when it is Base64 content; false when it is not content. */
  text(text: string): boolean {
    const enc = this.encoding;
    if (!this.dataOpen || enc?.base64 === undefined || enc.file === undefined) return false;
    this.sink.write(enc.file, enc.base64.write(text));
    return true;
  }

  closeData(): void {
    if (!this.dataOpen) return;
    this.dataOpen = false;
    const enc = this.encoding;
    if (enc?.base64 === undefined || enc.file === undefined || enc.failed) return;
    enc.base64.end();
    if (enc.base64.error !== undefined) {
      enc.failed = true;
      this.report(
        {
          zh: `编码数据不是合法的 Base64（${BASE64_ERRORS[enc.base64.error].zh}）`,
          en: `编码数据 is not valid Base64 (${BASE64_ERRORS[enc.base64.error].en})`,
        },
        { encodingId: enc.id },
      );
    }
  }

  /** Finish the open 编码 of a layer at `depth`; its path goes into `recordFiles` (the 文件实体's files). */
  closeEncoding(depth: number, recordFiles: string[] | undefined): void {
    const enc = this.encoding;
    if (enc === undefined) return;
    this.encoding = undefined;
    this.count++;
    const path = this.pathOf(enc, depth);
    const file = enc.file;
    const refOnly = enc.refId !== undefined && (file === undefined || file.size === 0);
    if (path === undefined || enc.failed || refOnly) {
      if (file !== undefined) this.sink.discard(file);
      if (refOnly) {
        // The original comes before the revision, so the data referred to is usually known already.
        const known = this.dataIds.get(enc.refId!);
        if (known !== undefined) recordFiles?.push(known);
        else this.refs.push({ files: recordFiles, refId: enc.refId!, line: this.line() });
      }
      return;
    }
    recordFiles?.push(path);
    this.declaredFiles.push(path);
    const declaredSize = parseSize(enc.props.get(E.fileSize));
    this.declaredSizes.push(declaredSize);
    if (enc.dataId !== undefined) this.dataIds.set(enc.dataId, path);
    if (file === undefined) return; // declared but without content: the file checks will miss it
    const format = enc.props.get(E.formatName) || enc.props.get(E.formatInfo) || undefined;
    this.sink.commit(file, path, (error) => {
      if (error !== undefined) {
        this.report(
          { zh: `无法写出“${printable(path)}”`, en: `could not write "${printable(path)}"` },
          // The errno only: the message names the server's staging path, and reports go back to depositors.
          { path, error: (error as NodeJS.ErrnoException | undefined)?.code ?? 'write failed' },
        );
        return;
      }
      this.files.push({
        path,
        size: file.size,
        sha256: file.hasher.digest().digests.sha256!,
        ...(declaredSize === undefined ? {} : { declaredSize }),
        ...(format === undefined ? {} : { format }),
      });
    });
  }

  /** After the parse: resolve references made before the data they point at. */
  finish(): void {
    for (const ref of this.refs) {
      const path = this.dataIds.get(ref.refId);
      if (path !== undefined) ref.files?.push(path);
      else {
        this.report(
          {
            zh: `引用编码数据ID“${printable(ref.refId)}”指向的编码数据不存在`,
            en: `引用编码数据ID "${printable(ref.refId)}" refers to no 编码数据 in the package`,
          },
          { line: ref.line, refId: ref.refId },
        );
      }
    }
  }

  /** The checked, layer-prefixed path for an 编码, or undefined (with a problem) when its name is unusable. */
  private pathOf(enc: EncodingDraft, depth: number): string | undefined {
    let raw = enc.props.get(E.fileName);
    if (raw === undefined || raw === '') {
      const ext = enc.props.get(E.reverseKey)?.replace(/^\./, '');
      raw = `${enc.id ?? `编码${this.count}`}${ext ? `.${ext}` : ''}`;
      if (enc.refId === undefined) {
        this.report(
          {
            zh: `“编码”缺少计算机文件名，内容以“${printable(raw)}”保存`,
            en: `an 编码 has no 计算机文件名; its content was saved as "${printable(raw)}"`,
          },
          { encodingId: enc.id },
        );
      }
    }
    try {
      // The names are attacker-controlled: the same checks as zip and tar entries (packages/safe-path.ts).
      const path = layerPrefix(depth) + safeRelativePath(raw);
      if (path.startsWith('.eep-tmp-')) throw new Error('reserved name'); // FileSink's temp directory
      if (enc.refId === undefined || enc.file?.size) this.names.add(path, 'file');
      return path;
    } catch (e) {
      const code = isYinjiError(e) ? e.code : 'E_BAD_NAME';
      const why = NAME_PROBLEMS[code] ?? NAME_PROBLEMS['E_BAD_NAME']!;
      const shown = printable(raw);
      this.report(
        {
          zh: `计算机文件名“${shown}”${why.zh}，其内容未解出`,
          en: `计算机文件名 "${shown}" ${why.en}; its content was not extracted`,
        },
        { fileName: shown, code },
      );
      return undefined;
    }
  }
}

// Why a name was refused (codes of packages/safe-path.ts), worded for a name inside an EEP.
const NAME_PROBLEMS: Readonly<Record<string, Message>> = {
  E_PATH_TRAVERSAL: { zh: '含有“..”，试图跳出封装包目录', en: 'contains "..", climbing out of the package' },
  E_ABSOLUTE_PATH: { zh: '是绝对路径', en: 'is an absolute path' },
  E_DUPLICATE_NAME: {
    zh: '与包内另一文件重名（或与目录同名）',
    en: 'duplicates another file (or a folder) of the package',
  },
  E_BAD_NAME: {
    zh: '不是可用的文件名（含控制字符、反斜杠，或有空的或“.”路径段）',
    en: 'is not a usable file name (control characters, a backslash, or empty or "." segments)',
  },
};

const BASE64_ERRORS = {
  'bad-character': { zh: '含有 Base64 字母表以外的字符', en: 'a character outside the Base64 alphabet' },
  'after-padding': { zh: '填充符“=”之后还有数据', en: 'data after the "=" padding' },
  truncated: {
    zh: '末尾不足 4 个字符，数据不完整',
    en: 'a final group of fewer than 4 characters: the data is cut short',
  },
} as const;

function parseSize(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text.trim())) return undefined;
  return Number(text.trim());
}
