import type { Message } from '../core/errors.js';

/** Why a token failed verification; `code` is stable, the text is for people. */
export interface VerifyFailure {
  readonly code: VerifyFailureCode;
  readonly reason: Message;
}

export type VerifyFailureCode =
  | 'malformed'
  | 'not-granted'
  | 'wrong-content'
  | 'imprint-mismatch'
  | 'no-signer-cert'
  | 'bad-signed-attributes'
  | 'bad-signature'
  | 'untrusted-chain'
  | 'not-a-tsa-cert'
  | 'bad-trust-anchor';

const TEXT: Readonly<Record<VerifyFailureCode, Message>> = {
  malformed: { zh: '不是可解析的时间戳响应或时间戳令牌', en: 'not a parsable timestamp response or token' },
  'not-granted': { zh: '时间戳服务未批准该请求，响应中没有令牌', en: 'the TSA did not grant the request; no token' },
  'wrong-content': {
    zh: '令牌不是包含 TSTInfo 的 CMS SignedData',
    en: 'the token is not a CMS SignedData over TSTInfo',
  },
  'imprint-mismatch': {
    zh: '时间戳所盖的摘要与所给文件摘要不一致',
    en: 'the timestamped digest does not match the given digest',
  },
  'no-signer-cert': { zh: '找不到签发令牌的 TSA 证书', en: 'the TSA certificate that signed the token was not found' },
  'bad-signed-attributes': {
    zh: '令牌的签名属性不完整或与内容不符',
    en: 'the signed attributes are missing or do not match the content',
  },
  'bad-signature': { zh: '令牌签名无效', en: 'the token signature is invalid' },
  'untrusted-chain': {
    zh: 'TSA 证书不能链接到受信任的根证书，或在签发时间不在有效期内',
    en: 'the TSA certificate does not chain to the trusted root, or was not valid at the signing time',
  },
  'not-a-tsa-cert': {
    zh: '签名证书不是时间戳专用证书（须且仅须含关键扩展密钥用途 timeStamping）',
    en: 'the signing certificate is not a TSA certificate (needs a critical extended key usage of only timeStamping)',
  },
  'bad-trust-anchor': { zh: '受信任的根证书无法读取', en: 'the trusted root certificate cannot be read' },
};

export function failure(code: VerifyFailureCode): VerifyFailure {
  return { code, reason: TEXT[code] };
}
