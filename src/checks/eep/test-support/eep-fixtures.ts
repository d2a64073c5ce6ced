/**
 * Builds EEP packages (DA/T 48-2009) for tests: a valid signed one, a
 * truncated one, one changed after signing, a modified package nesting its
 * original, and one whose file name climbs out of the package. Keys and
 * self-signed certificates are made at test time; nothing secret is stored.
 *
 * Signatures follow the rule eep-signature.ts documents: they cover the exact
 * bytes of the 被签名对象 element, which this builder writes verbatim.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, sign, webcrypto, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import * as asn1js from 'asn1js';
import iconv from 'iconv-lite';
import * as pkijs from 'pkijs';
import { EEP_NAMESPACE } from '../eep-names.js';

export interface FixtureDocument {
  /** 计算机文件名 as written into the package (may be unsafe on purpose). */
  readonly name: string;
  /** Content; omit together with `refId` for a document that reuses data of the original package. */
  readonly content?: Buffer;
  readonly format?: string;
  /** 编码数据ID of this document's data. */
  readonly dataId?: string;
  /** 引用编码数据ID: point at data of the original package instead of carrying content. */
  readonly refId?: string;
}

export interface FixtureRecord {
  /** Catalog fields by Chinese name; 档号 parts (全宗号, 年度, 保管期限, 室编件号 …) go into the 档号 block. */
  readonly fields: Readonly<Record<string, string>>;
  readonly documents: readonly FixtureDocument[];
}

export interface SigningIdentity {
  /** Written into 签名算法标识. */
  readonly algorithm: string;
  /** X.509 DER, written Base64 into 证书块/证书. */
  readonly certificate: Buffer;
  readonly signer: string;
  sign(data: Buffer): Buffer;
}

export interface BuiltEep {
  readonly xml: string;
  /** `xml` in the package's encoding: what goes into the file. */
  readonly bytes: Buffer;
  readonly signedObject: string;
  readonly signatureBlock: string;
}

const ARCHIVAL_CODE_PARTS = [
  '全宗号',
  '目录号',
  '年度',
  '保管期限',
  '机构或问题',
  '室编案卷号',
  '馆编案卷号',
  '室编件号',
  '馆编件号',
  '页号',
];

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const el = (name: string, text: string): string => `<${name}>${esc(text)}</${name}>`;

/** Base64 in 76-character lines (RFC 2045 §6.8), as MIME-minded generators write it. */
function base64Lines(data: Buffer, indent: string): string {
  const b64 = data.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return lines.length === 0 ? '' : `\n${lines.map((l) => indent + l).join('\n')}\n${indent.slice(2)}`;
}

function recordXml(record: FixtureRecord, revision: number, n: number): string {
  const codeParts = ARCHIVAL_CODE_PARTS.filter((k) => record.fields[k] !== undefined)
    .map((k) => el(k, record.fields[k]!))
    .join('');
  const code =
    record.fields['档号'] === undefined && codeParts === ''
      ? ''
      : `<档号>${esc(record.fields['档号'] ?? '')}${codeParts}</档号>`;
  const described = Object.entries(record.fields)
    .filter(([k]) => k !== '档号' && !ARCHIVAL_CODE_PARTS.includes(k))
    .map(([k, v]) => `        ${el(k, v)}`)
    .join('\n');
  const docs = record.documents
    .map((d, i) => {
      const id = `修改${revision}-文档${n}-${i + 1}`;
      const dataAttrs = `编码数据ID="${esc(d.dataId ?? `${id}-编码数据`)}"${d.refId === undefined ? '' : ` 引用编码数据ID="${esc(d.refId)}"`}`;
      const ext = d.name.includes('.') ? d.name.slice(d.name.lastIndexOf('.') + 1) : '';
      return `        <文档>
          ${el('文档标识符', id)}
          ${el('文档主从声明', i === 0 ? '主文档' : '附属文档')}
          <文档数据 文档数据ID="${esc(id)}-文档数据">
            <编码 编码ID="${esc(id)}-编码">
              <电子属性>
                ${el('格式信息', d.format ?? ext.toUpperCase())}
                ${el('计算机文件名', d.name)}
                ${el('计算机文件大小', String(d.content?.length ?? 0))}
              </电子属性>
              ${el('编码描述', '本封装包中“编码数据”元素存储的是计算机文件二进制流的Base64编码')}
              ${el('反编码关键字', ext)}
              <编码数据 ${dataAttrs}>${base64Lines(d.content ?? Buffer.alloc(0), '                ')}</编码数据>
            </编码>
          </文档数据>
        </文档>`;
    })
    .join('\n');
  return `<文件实体块>
    <文件实体>
      ${el('聚合层次', '文件')}
      <来源>${el('立档单位名称', '印记测试单位')}</来源>
      ${el('电子文件号', `EF-${revision}-${n}`)}
      ${code}
      <内容描述>
${described}
      </内容描述>
      <形式特征>${el('文件组合类型', record.documents.length > 1 ? '组合文件' : '单件')}</形式特征>
      <存储位置>${el('脱机载体编号', '')}</存储位置>
      <权限管理/>
      <文件数据>
${docs}
      </文件数据>
    </文件实体>
  </文件实体块>`;
}

const BLOCKS = '<业务实体块/>\n  <机构人员实体块/>';

/** The 被签名对象 of an original package (原始型), or of a modified one (修改型) nesting `original`. */
export function signedObjectXml(records: readonly FixtureRecord[], original?: BuiltEep, revision = 0): string {
  const body = records.map((r, i) => recordXml(r, revision, i + 1)).join('\n  ');
  const head = (type: string, desc: string): string =>
    `<被签名对象 eep版本="2009">
  ${el('封装包类型', type)}
  ${el('封装包类型描述', desc)}
  ${el('封装包创建时间', '2024-05-01T10:00:00')}
  ${el('封装包创建单位', '印记测试单位')}`;
  if (original === undefined) {
    return `${head('原始型', '本封装包包含电子文件数据及其元数据，原始封装，未经修改')}
  <封装内容>
  ${body}
  ${BLOCKS}
  </封装内容>
</被签名对象>`;
  }
  // The original's 被签名对象 and 电子签名块 are copied byte for byte, so its signatures still verify.
  return `${head('修改型', '本封装包包含电子文件数据及其元数据，系修改封装，在保留原封装包的基础上，添加了修改层')}
  <修改封装内容>
  ${el('修改标识符', `修改${revision}`)}
  <原封装包>${original.signedObject}${original.signatureBlock}</原封装包>
  <修订内容>
  ${body}
  ${BLOCKS}
  </修订内容>
  </修改封装内容>
</被签名对象>`;
}

/** An 电子签名块 with one 电子签名 per identity over the exact bytes of `signedObject` (UTF-8 unless `encode` says otherwise). */
export function signatureBlockXml(
  signedObject: string,
  identities: readonly SigningIdentity[],
  revision = 0,
  encode: (s: string) => Buffer = (s) => Buffer.from(s, 'utf8'),
): string {
  const data = encode(signedObject);
  const sigs = identities.map(
    (id, i) => `<电子签名>
    ${el('签名标识符', `修改${revision}-签名${i + 1}`)}
    ${el('签名规则', '对被签名对象元素在文件中的原始字节签名')}
    ${el('签名时间', '2024-05-01T10:00:01')}
    ${el('签名人', id.signer)}
    ${el('签名结果', id.sign(data).toString('base64'))}
    <证书块>${el('证书', id.certificate.toString('base64'))}</证书块>
    ${el('签名算法标识', id.algorithm)}
  </电子签名>`,
  );
  return `<电子签名块>
  ${sigs.join('\n  ')}
</电子签名块>`;
}

export function eepXml(signedObject: string, signatureBlock: string, encoding = 'UTF-8'): string {
  return `<?xml version="1.0" encoding="${encoding}"?>
<电子文件封装包 xmlns="${EEP_NAMESPACE}">
${el('封装包格式描述', '本EEP根据中华人民共和国档案行业标准DA/T 48-2009《基于XML的电子文件封装规范》生成')}
${el('版本', '2009')}
${signedObject}
${signatureBlock}
</电子文件封装包>
`;
}

export interface BuildOptions {
  /** Default UTF-8; DA/T 48 also names GB 18030. */
  readonly encoding?: 'UTF-8' | 'GB18030';
  /** Write CR LF line ends (a Windows generator); signatures then cover the CR bytes too. */
  readonly crlf?: boolean;
}

export function buildEep(
  records: readonly FixtureRecord[],
  identities: readonly SigningIdentity[],
  original?: BuiltEep,
  options: BuildOptions = {},
): BuiltEep {
  const encoding = options.encoding ?? 'UTF-8';
  const encode = (s: string): Buffer => (encoding === 'GB18030' ? iconv.encode(s, 'gb18030') : Buffer.from(s, 'utf8'));
  const lines = (s: string): string => (options.crlf ? s.replace(/\r?\n/g, '\r\n') : s);
  const revision = original === undefined ? 0 : 1;
  const signedObject = lines(signedObjectXml(records, original, revision));
  const signatureBlock =
    identities.length === 0 ? '' : lines(signatureBlockXml(signedObject, identities, revision, encode));
  const xml = lines(eepXml(signedObject, signatureBlock, encoding));
  return { xml, bytes: encode(xml), signedObject, signatureBlock };
}

// ------------------------------------------------------------- identities

async function webcryptoIdentity(
  keyAlg: webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams,
  webHash: 'SHA-1' | 'SHA-256',
  nodeHash: string,
  algorithm: string,
  dsaEncoding: 'der' | 'ieee-p1363' = 'der',
): Promise<SigningIdentity> {
  // pkijs, not @peculiar/x509: the latter needs a reflect-metadata polyfill that is not installed.
  pkijs.setEngine('node-webcrypto', new pkijs.CryptoEngine({ name: 'node-webcrypto', crypto: webcrypto }));
  const keys = await webcrypto.subtle.generateKey(keyAlg, true, ['sign', 'verify']);
  const name = new pkijs.RelativeDistinguishedNames({
    typesAndValues: [
      new pkijs.AttributeTypeAndValue({ type: '2.5.4.3', value: new asn1js.Utf8String({ value: '印记测试签名人' }) }),
    ],
  });
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ value: 1 });
  cert.subject = name;
  cert.issuer = name;
  cert.notBefore = new pkijs.Time({ type: 0, value: new Date(Date.UTC(2024, 0, 1)) });
  cert.notAfter = new pkijs.Time({ type: 0, value: new Date(Date.UTC(2034, 0, 1)) });
  await cert.subjectPublicKeyInfo.importKey(keys.publicKey);
  await cert.sign(keys.privateKey, webHash);
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  return {
    algorithm,
    certificate: Buffer.from(cert.toSchema().toBER(false)),
    signer: '张三',
    sign: (data) => sign(nodeHash, data, { key, dsaEncoding }),
  };
}

/** RSA 2048 with a self-signed certificate; `algorithm` is what 签名算法标识 will say. */
export function rsaIdentity(
  hash: 'sha1' | 'sha256' = 'sha256',
  algorithm = hash === 'sha1' ? 'SHA1withRSA' : 'SHA256withRSA',
): Promise<SigningIdentity> {
  const webHash = hash === 'sha1' ? 'SHA-1' : 'SHA-256';
  return webcryptoIdentity(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: webHash },
    webHash,
    hash,
    algorithm,
  );
}

/** ECDSA P-256 with SHA-256; the signature DER-encoded (X9.62) or raw r ‖ s (IEEE P1363, as WebCrypto writes it). */
export function ecdsaIdentity(dsaEncoding: 'der' | 'ieee-p1363' = 'der'): Promise<SigningIdentity> {
  return webcryptoIdentity({ name: 'ECDSA', namedCurve: 'P-256' }, 'SHA-256', 'sha256', 'SHA256withECDSA', dsaEncoding);
}

/**
 * SM2 with SM3, key, certificate and signatures made by the openssl CLI (an
 * implementation independent of Yinji's). `distid` '1234567812345678' is the
 * GM/T 0009 default ID; undefined signs the way OpenSSL 3 does by default.
 */
export function sm2Identity(distid: string | undefined = '1234567812345678'): SigningIdentity {
  const dir = mkdtempSync(join(tmpdir(), 'yinji-sm2-'));
  try {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'SM2' });
    const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' });
    const keyFile = join(dir, 'key.pem');
    writeFileSync(keyFile, keyPem);
    execFileSync('openssl', [
      'req',
      '-x509',
      '-new',
      '-key',
      keyFile,
      '-sm3',
      '-subj',
      '/CN=SM2 test signer',
      '-days',
      '3650',
      '-out',
      join(dir, 'cert.pem'),
    ]);
    const certificate = new X509Certificate(readFileSync(join(dir, 'cert.pem'))).raw;
    return {
      algorithm: 'SM3withSM2',
      certificate,
      signer: '李四',
      sign: (data) => {
        const work = mkdtempSync(join(tmpdir(), 'yinji-sm2-sign-'));
        try {
          writeFileSync(join(work, 'key.pem'), keyPem);
          writeFileSync(join(work, 'data'), data);
          const opts = distid === undefined ? [] : ['-sigopt', `distid:${distid}`];
          execFileSync('openssl', [
            'dgst',
            '-sm3',
            '-sign',
            join(work, 'key.pem'),
            ...opts,
            '-out',
            join(work, 'sig'),
            join(work, 'data'),
          ]);
          return readFileSync(join(work, 'sig'));
        } finally {
          rmSync(work, { recursive: true, force: true });
        }
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------- the fixture set

export const FIXTURE_PDF = Buffer.from('%PDF-1.4\n% 印记测试\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
export const FIXTURE_ATTACHMENT = Buffer.from('附件：测试用纯文本。\n'.repeat(200));

export const FIXTURE_RECORD: FixtureRecord = {
  fields: {
    全宗号: 'Z109',
    年度: '2024',
    保管期限: 'Y',
    室编件号: '1',
    题名: '关于开展电子文件登记备份工作的通知',
    责任者: '印记测试单位',
    日期: '20240501',
    密级: '公开',
  },
  documents: [
    { name: '正文.pdf', content: FIXTURE_PDF, format: 'PDF', dataId: 'D-正文' },
    { name: '附件/附件1.txt', content: FIXTURE_ATTACHMENT, format: 'TXT' },
  ],
};

export interface EepFixtures {
  readonly valid: string;
  /** Cut in the middle of the first 编码数据. */
  readonly malformed: string;
  /** The valid package with its 题名 changed after signing. */
  readonly tampered: string;
  /** A 修改型 package nesting `valid` as its 原封装包. */
  readonly modified: string;
  /** A signed package whose 计算机文件名 is "../escape.txt". */
  readonly traversal: string;
  readonly identity: SigningIdentity;
}

export async function writeEepFixtures(dir: string, identity?: SigningIdentity): Promise<EepFixtures> {
  const signer = identity ?? (await rsaIdentity());
  const valid = buildEep([FIXTURE_RECORD], [signer]);
  const title = FIXTURE_RECORD.fields['题名']!;
  const tampered = valid.xml.replace(title, title.replace('通知', '决定'));
  const cut = valid.xml.indexOf('<编码数据');
  const revised: FixtureRecord = {
    fields: { ...FIXTURE_RECORD.fields, 题名: `${title}（修订）` },
    documents: [
      { name: '正文.pdf', refId: 'D-正文' },
      { name: '修订说明.txt', content: Buffer.from('修订：更正题名。\n') },
    ],
  };
  const modified = buildEep([revised], [signer], valid);
  const traversal = buildEep(
    [{ fields: FIXTURE_RECORD.fields, documents: [{ name: '../escape.txt', content: Buffer.from('outside') }] }],
    [signer],
  );
  const paths = {
    valid: join(dir, 'valid.eep'),
    malformed: join(dir, 'malformed.eep'),
    tampered: join(dir, 'tampered.eep'),
    modified: join(dir, 'modified.eep'),
    traversal: join(dir, 'traversal.eep'),
  };
  await writeFile(paths.valid, valid.bytes);
  await writeFile(paths.malformed, valid.xml.slice(0, cut + 200));
  await writeFile(paths.tampered, tampered);
  await writeFile(paths.modified, modified.bytes);
  await writeFile(paths.traversal, traversal.bytes);
  return { ...paths, identity: signer };
}
