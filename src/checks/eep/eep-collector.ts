import type { SaxesTagNS } from 'saxes';
import type { Message } from '../../core/index.js';
import { printable } from '../../packages/package-error.js';
import type { CatalogRecord, Finding } from '../types.js';
import { EepContent } from './eep-content.js';
import { E, EEP_NAMESPACE, MODIFIED_TYPE, ORIGINAL_TYPE, SIGNATURE_FIELDS, SIGNATURE_ID_ALIASES } from './eep-names.js';
import { packageFinding, type ByteRange, type LayerDraft, type SignatureDraft } from './eep-model.js';
import type { FileSink } from './file-sink.js';
import { missingChildren } from './eep-required.js';

/** What the collector needs from the parser driver: where it is, in bytes and in lines. */
export interface Cursor {
  /** Byte offset of the '<' of the start tag just read (call from opentagstart). */
  tagStart(qname: string): number | undefined;
  /** Byte offset just after the end tag just read (call from closetag). */
  tagEnd(): number | undefined;
  where(): { line: number; column: number };
}

interface Frame {
  readonly local: string;
  /** In the EEP namespace, or in none. */
  readonly ours: boolean;
  text: string;
  overflow: boolean;
  readonly children: Set<string>;
  readonly start: number | undefined;
}

interface RecordDraft {
  readonly depth: number;
  readonly fields: Map<string, string[]>;
  readonly files: string[];
}

// Text kept per element; Base64 of certificates may be long, metadata never is.
const TEXT_CAP = 64 * 1024;
const LONG_TEXT_CAP = 1024 * 1024;
const LONG_TEXT: ReadonlySet<string> = new Set([E.certificate, E.signatureResult]);

/**
 * Builds the model of an EEP from parser events, synchronously: metadata
 * records, signature drafts, signed byte ranges and content files (queued on
 * the FileSink). Everything wrong with the input becomes a Finding.
 */
export class EepCollector {
  readonly problems: Finding[] = [];
  readonly records: RecordDraft[] = [];
  readonly layers: LayerDraft[] = [];
  readonly content: EepContent;
  nested = 0;
  sawRoot = false;

  private readonly stack: Frame[] = [];
  private readonly layerStack: LayerDraft[] = [];
  private readonly signatureStack: SignatureDraft[] = [];
  private record: RecordDraft | undefined;
  private inFileData = 0;
  private notEep = false;
  private pendingStart: number | undefined;
  private readonly typeByLayer = new Map<LayerDraft, string>();

  constructor(
    private readonly name: string,
    sink: FileSink,
    private readonly cursor: Cursor,
  ) {
    this.content = new EepContent(
      sink,
      (reason, details) => this.problem(reason, details),
      () => cursor.where().line,
    );
  }

  problem(reason: Message, details: Record<string, unknown> = {}): void {
    this.problems.push(packageFinding(this.name, reason, { ...this.cursor.where(), ...details }));
  }

  onOpenStart(tag: { readonly name: string }): void {
    // Byte offsets are needed only for what signatures cover.
    const local = tag.name.slice(tag.name.indexOf(':') + 1);
    const wanted =
      local === E.signedObject || local === E.signature || local === E.signatureBlock || local === E.lockSignature;
    this.pendingStart = wanted ? this.cursor.tagStart(tag.name) : undefined;
  }

  onOpen(tag: SaxesTagNS): void {
    const ours = tag.uri === EEP_NAMESPACE || tag.uri === '';
    const parent = this.stack.at(-1);
    parent?.children.add(ours ? tag.local : '');
    const frame: Frame = {
      local: ours ? tag.local : '',
      ours,
      text: '',
      overflow: false,
      children: new Set(),
      start: this.pendingStart,
    };
    this.pendingStart = undefined;
    this.stack.push(frame);
    if (parent === undefined) return this.openRoot(tag);
    if (!ours || this.notEep) return;
    const attr = (name: string): string | undefined => tag.attributes[name]?.value;
    switch (tag.local) {
      case E.signedObject:
        if (attr('eep版本') !== undefined && attr('eep版本') !== '2009') {
          this.problem({
            zh: `被签名对象的 eep版本 为“${printable(attr('eep版本') ?? '')}”，DA/T 48-2009 规定为 2009`,
            en: `被签名对象 declares eep版本 "${printable(attr('eep版本') ?? '')}"; DA/T 48-2009 fixes it at 2009`,
          });
        }
        break;
      case E.modifiedContent:
        this.nested = Math.max(this.nested, this.layer().depth + 1);
        break;
      case E.originalPackage:
        this.pushLayer(this.layer().depth + 1);
        break;
      case E.record:
        this.record = { depth: this.layer().depth, fields: new Map(), files: [] };
        break;
      case E.fileData:
        this.inFileData++;
        break;
      case E.encoding:
        this.content.openEncoding(attr('编码ID'));
        break;
      case E.encodedData:
        this.content.openData(attr('编码数据ID'), attr('引用编码数据ID'));
        break;
      case E.signatureBlock:
      case E.signature:
      case E.lockSignature: {
        const kind = tag.local === E.lockSignature ? 'lock' : 'signature';
        const index = this.layer().signatures.filter((s) => s.kind === kind).length + 1;
        this.signatureStack.push({ kind, depth: this.layer().depth, index, fields: new Map(), certificates: [] });
        break;
      }
      default:
    }
  }

  /** Text of the innermost element (also called with pieces drained from the parser between chunks). */
  onText(text: string): void {
    const top = this.stack.at(-1);
    if (top === undefined || this.content.text(text) || top.overflow) return;
    const cap = LONG_TEXT.has(top.local) ? LONG_TEXT_CAP : TEXT_CAP;
    if (top.text.length + text.length > cap) {
      top.overflow = true;
      this.problem(
        {
          zh: `元素“${top.local}”的文本超过 ${cap} 个字符，已截断`,
          en: `the text of element "${top.local}" exceeds ${cap} characters and was cut`,
        },
        { element: top.local },
      );
      return;
    }
    top.text += text;
  }

  onClose(): void {
    const frame = this.stack.pop()!;
    if (!frame.ours || this.notEep) return;
    const missing = missingChildren(frame.local, frame.children);
    if (missing.length > 0) {
      this.problem(
        {
          zh: `“${frame.local}”缺少必需的子元素：${missing.join('、')}（DA/T 48-2009 附录 A）`,
          en: `"${frame.local}" lacks required child elements: ${missing.join(', ')} (DA/T 48-2009 Annex A)`,
        },
        { element: frame.local, missing },
      );
    }
    const text = frame.text.trim();
    if (frame.children.size === 0 || text !== '') this.leaf(frame, text);
    this.closeStructure(frame);
  }

  /** After the parse. */
  finish(): void {
    this.content.finish();
  }

  /** Records of the current version, as the catalog shows them. */
  catalogRecords(): CatalogRecord[] {
    const current = this.records.filter((r) => r.depth === 0);
    return current.map((r, i) => {
      const fields: Record<string, string> = {};
      for (const [k, v] of r.fields) fields[k] = v.filter((x) => x !== '').join('；');
      // DA/T 46 calls the item number 件号; the DA/T 48 档号 block splits it by who numbered it.
      fields['件号'] ??= fields['室编件号'] || fields['馆编件号'] || '';
      if (fields['件号'] === '') delete fields['件号'];
      if (r.files.length > 0) fields['计算机文件名'] = r.files.join('；');
      return { source: `${this.name} 文件实体 ${i + 1}`, fields, files: [...r.files] };
    });
  }

  private openRoot(tag: SaxesTagNS): void {
    this.sawRoot = true;
    if (tag.local !== E.root) {
      this.notEep = true;
      this.problem({
        zh: `根元素为“${printable(tag.name)}”，不是 DA/T 48-2009 的“电子文件封装包”；这不是 EEP 封装包`,
        en: `the root element is "${printable(tag.name)}", not DA/T 48-2009's 电子文件封装包; this is not an EEP`,
      });
      return;
    }
    if (tag.uri !== EEP_NAMESPACE) {
      this.problem({
        zh: `根元素未使用 DA/T 48-2009 的命名空间 ${EEP_NAMESPACE}`,
        en: `the root element is not in DA/T 48-2009's namespace ${EEP_NAMESPACE}`,
      });
    }
    this.pushLayer(0);
  }

  private pushLayer(depth: number): void {
    const layer: LayerDraft = { depth, signatures: [] };
    this.layers.push(layer);
    this.layerStack.push(layer);
  }

  private layer(): LayerDraft {
    return this.layerStack.at(-1)!;
  }

  private leaf(frame: Frame, text: string): void {
    const sig = this.signatureStack.at(-1);
    if (sig !== undefined && SIGNATURE_FIELDS.has(frame.local)) {
      if (frame.local === E.certificate) sig.certificates.push(text);
      else sig.fields.set(SIGNATURE_ID_ALIASES.has(frame.local) ? E.signatureId : frame.local, text);
      return;
    }
    if (this.content.property(frame.local, text)) return;
    if (this.record !== undefined && this.inFileData === 0 && frame.local !== E.record) {
      const values = this.record.fields.get(frame.local) ?? [];
      values.push(text);
      this.record.fields.set(frame.local, values);
      return;
    }
    if (this.stack.length === 1 && frame.local === E.version && text !== '2009') {
      this.problem({
        zh: `版本为“${printable(text)}”，DA/T 48-2009 规定为 2009`,
        en: `版本 is "${printable(text)}"; DA/T 48-2009 fixes it at 2009`,
      });
    }
    if (frame.local === E.packageType) this.checkType(text);
  }

  private checkType(text: string): void {
    this.typeByLayer.set(this.layer(), text);
    if (text !== ORIGINAL_TYPE && text !== MODIFIED_TYPE) {
      this.problem({
        zh: `封装包类型为“${printable(text)}”，应为“原始型”或“修改型”`,
        en: `封装包类型 is "${printable(text)}"; it must be 原始型 (original) or 修改型 (modified)`,
      });
    }
  }

  private closeStructure(frame: Frame): void {
    switch (frame.local) {
      case E.signedObject: {
        const range = this.range(frame);
        if (range !== undefined) this.layer().signed = range;
        this.checkContentMatchesType(frame);
        break;
      }
      case E.originalPackage:
        this.layerStack.pop();
        break;
      case E.record:
        if (this.record !== undefined) this.records.push(this.record);
        this.record = undefined;
        break;
      case E.fileData:
        this.inFileData--;
        break;
      case E.encodedData:
        this.content.closeData();
        break;
      case E.encoding:
        this.content.closeEncoding(this.layer().depth, this.record?.files);
        break;
      case E.signatureBlock:
      case E.signature:
      case E.lockSignature: {
        const sig = this.signatureStack.pop()!;
        sig.range = this.range(frame);
        // A bare 电子签名块 counts as one signature only when it holds the fields itself (nh-deep style).
        if (frame.local !== E.signatureBlock || sig.fields.size > 0 || sig.certificates.length > 0) {
          this.layer().signatures.push(sig);
        }
        break;
      }
      default:
    }
  }

  private checkContentMatchesType(frame: Frame): void {
    const modified = frame.children.has(E.modifiedContent);
    const declared = this.typeByLayer.get(this.layer());
    if (declared === ORIGINAL_TYPE && modified) {
      this.problem({
        zh: '封装包类型为“原始型”，却含有修改封装内容',
        en: '封装包类型 says 原始型 (original) but the package holds 修改封装内容',
      });
    }
    if (declared === MODIFIED_TYPE && !modified) {
      this.problem({
        zh: '封装包类型为“修改型”，却没有修改封装内容',
        en: '封装包类型 says 修改型 (modified) but the package holds no 修改封装内容',
      });
    }
  }

  private range(frame: Frame): ByteRange | undefined {
    const end = this.cursor.tagEnd();
    return frame.start === undefined || end === undefined ? undefined : { start: frame.start, end };
  }
}
