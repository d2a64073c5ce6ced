/**
 * Element names of an EEP (电子文件封装包, DA/T 48-2009《基于XML的电子文件封装规范》).
 *
 * What was found (the standard itself is not freely published; these are the
 * public traces of its Annex schema that agree with one another):
 *
 * - The namespace `http://www.saac.gov.cn/standards/ERM/encapsulation` and the
 *   root 电子文件封装包 with the sequence 封装包格式描述, 版本 (fixed "2009"),
 *   被签名对象 (attribute eep版本="2009"), then optionally 电子签名块 and
 *   锁定签名 — from a reconstruction of the Annex XSD in trueway
 *   `EssEepServiceImpl.java`, the EEP generator in nh-deep's README and a dom4j
 *   generator in a Beijing metro regulation system; the front matter of the
 *   standard (scope: file-level encapsulation of text and still-image files;
 *   read together with DA/T 46-2009) from the copies at wanfa688.com and
 *   rmc-2018.com.
 * - 被签名对象: 封装包类型 (原始型 | 修改型), 封装包类型描述, 封装包创建时间,
 *   封装包创建单位, then 封装内容 (原始型) or 修改封装内容 (修改型).
 * - 封装内容: 文件实体块, 业务实体块, 机构人员实体块. 文件实体块: one 文件实体
 *   plus 文件实体关系*. 文件实体: 聚合层次, 来源, 电子文件号, 档号 (mixed content
 *   with children 全宗号, 目录号, 年度, 保管期限, 机构或问题, 室编案卷号, 馆编案卷号,
 *   室编件号 | 馆编件号, 页号), 内容描述 (题名, 并列题名, 副题名, 说明题名文字,
 *   主题词*, 关键词, 人名, 摘要, 分类号, 文件编号, 责任者, 日期, 文种, 紧急程度,
 *   主送, 抄送, 密级, 保密期限), 形式特征, 存储位置, 权限管理, 信息系统描述*,
 *   附注*, 文件数据.
 * - 文件数据 → 文档+ (文档标识符, 文档序号, 文档主从声明, 题名, 文档数据+) →
 *   文档数据 (attribute 文档数据ID) → 编码+ (attribute 编码ID; "one computer
 *   file") → 电子属性 (格式信息, 计算机文件名, 计算机文件大小, 文档创建程序),
 *   数字化属性, 编码描述, 反编码关键字 (the extension to restore), 编码数据
 *   (Base64 of the file, RFC 2045; attributes 编码数据ID and 引用编码数据ID, an
 *   IDREF a modified package uses to point at unchanged data in the original).
 * - 电子签名块 → 电子签名+ → 签名标识符 (form "修改R-签名S", e.g. 修改0-签名1),
 *   签名规则, 签名时间, 签名人, 签名结果 (base64Binary), 证书块+ (证书+ as
 *   base64Binary, 证书引证 as anyURI), 签名算法标识. 锁定签名 (a signature over
 *   one 电子签名) has 被锁定签名标识符 instead of 签名标识符.
 * - 修改封装内容: 修改标识符, 原封装包 ("the 被签名对象 and 电子签名块 of the
 *   package before modification"), 修订内容 (文件实体块, 业务实体块, 机构人员实体块).
 *
 * What is assumed, because generators in the wild differ:
 *
 * - Elements with no namespace are accepted like namespaced ones (some
 *   generators drop the xmlns); elements of any other namespace are ignored.
 * - 签名标识 and 签名标识符号 are read as 签名标识符 (nh-deep writes the latter),
 *   and signature fields written straight under 电子签名块 without an 电子签名
 *   wrapper are read as one signature.
 * - 档号, 题名, 责任者 … may also appear as plain elements under 内容描述 (nh-deep
 *   does this); any leaf of 文件实体 outside 文件数据 becomes a catalog field
 *   under its own name. 件号 is filled from 室编件号 (else 馆编件号) when absent.
 * - 格式信息 is a plain string in the schema; where a generator nests
 *   格式名称/格式版本 in it, 格式名称 is used.
 * - English-named variants of the schema (ElecRecdsEncaPkg, SignedObj, … seen
 *   in JAXB classes of cn.proem.eep) are not read.
 */
export const EEP_NAMESPACE = 'http://www.saac.gov.cn/standards/ERM/encapsulation';

export const E = {
  root: '电子文件封装包',
  formatDescription: '封装包格式描述',
  version: '版本',
  signedObject: '被签名对象',
  packageType: '封装包类型',
  createdAt: '封装包创建时间',
  creator: '封装包创建单位',
  content: '封装内容',
  modifiedContent: '修改封装内容',
  originalPackage: '原封装包',
  revisedContent: '修订内容',
  recordBlock: '文件实体块',
  record: '文件实体',
  archivalCode: '档号',
  fileData: '文件数据',
  encoding: '编码',
  fileName: '计算机文件名',
  fileSize: '计算机文件大小',
  formatInfo: '格式信息',
  formatName: '格式名称',
  reverseKey: '反编码关键字',
  encodedData: '编码数据',
  signatureBlock: '电子签名块',
  signature: '电子签名',
  lockSignature: '锁定签名',
  signatureId: '签名标识符',
  lockedSignatureId: '被锁定签名标识符',
  signatureRule: '签名规则',
  signatureTime: '签名时间',
  signer: '签名人',
  signatureResult: '签名结果',
  certificate: '证书',
  certificateRef: '证书引证',
  signatureAlgorithm: '签名算法标识',
} as const;

/** Names some generators use for 签名标识符. */
export const SIGNATURE_ID_ALIASES: ReadonlySet<string> = new Set([E.signatureId, '签名标识', '签名标识符号']);

/** 封装包类型 values (DA/T 48 Annex schema enumeration). */
export const ORIGINAL_TYPE = '原始型';
export const MODIFIED_TYPE = '修改型';

/** Leaves of a 签名 element the reader keeps (all others are ignored). */
export const SIGNATURE_FIELDS: ReadonlySet<string> = new Set([
  ...SIGNATURE_ID_ALIASES,
  E.lockedSignatureId,
  E.signatureRule,
  E.signatureTime,
  E.signer,
  E.signatureResult,
  E.certificate,
  E.certificateRef,
  E.signatureAlgorithm,
]);

/** Path prefix for files of the package a modified package nests (depth 1, 2 …). */
export function layerPrefix(depth: number): string {
  return `${E.originalPackage}/`.repeat(depth);
}
