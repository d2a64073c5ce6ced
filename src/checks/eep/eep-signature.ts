import {
  constants,
  createPublicKey,
  createVerify,
  publicDecrypt,
  X509Certificate,
  type KeyObject,
  type Verify,
} from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Message } from '../../core/index.js';
import { printable } from '../../packages/package-error.js';
import type { SignatureView } from '../types.js';
import { E, layerPrefix } from './eep-names.js';
import type { ByteRange, LayerDraft, SignatureDraft } from './eep-model.js';
import {
  algorithmLabel,
  digestInfoHash,
  resolveAlgorithm,
  SM2_DEFAULT_ID,
  sm2Z,
  type KnownAlgorithm,
} from './signature-algorithms.js';

/**
 * Signature verification for EEP packages.
 *
 * What is signed. DA/T 48 says the 电子签名 signs "the 被签名对象" but names no
 * canonicalisation. Yinji takes the simplest rule that any signer can follow
 * and any verifier can reproduce without an XML library: the exact bytes of
 * the 被签名对象 element as they stand in the file, from the '<' of its start
 * tag to the '>' of its end tag, in the file's own encoding, line ends
 * untouched. A 锁定签名 likewise signs the exact bytes of the 电子签名 it names
 * in 被锁定签名标识符. In a modified package every 原封装包 keeps its own
 * 被签名对象 and 电子签名块 verbatim, so the original signatures still verify.
 * Packages signed over a re-serialised or C14N form will show as 'invalid';
 * the reason says which rule was applied.
 *
 * How. The reader notes byte ranges while streaming; here each range is read
 * once more and fed to every verifier that covers it (node:crypto Verify,
 * so content is never held whole). The key comes from the first 证书 (X.509,
 * Base64 DER) that parses; the certificate itself is not validated against a
 * trust anchor, its validity period or revocation — that is stated in the reason.
 */
export async function verifyEepSignatures(
  file: string,
  name: string,
  layers: readonly LayerDraft[],
  signal?: AbortSignal,
): Promise<SignatureView[]> {
  const plans = layers.flatMap((layer) => layer.signatures.map((draft) => plan(name, layer, draft)));
  const byRange = new Map<string, Plan[]>();
  for (const p of plans) {
    if (p.verifiers === undefined || p.range === undefined) continue;
    const key = `${p.range.start}-${p.range.end}`;
    byRange.set(key, [...(byRange.get(key) ?? []), p]);
  }
  for (const group of byRange.values()) {
    const { start, end } = group[0]!.range!;
    if (end > start) {
      for await (const chunk of createReadStream(file, { start, end: end - 1, signal })) {
        for (const p of group) for (const v of p.verifiers!) v.verify.update(chunk as Buffer);
      }
    }
  }
  return plans.map((p) => p.result());
}

interface Verifier {
  readonly verify: Verify;
  readonly check: (v: Verify) => boolean;
}

interface Plan {
  readonly range?: ByteRange;
  readonly verifiers?: readonly Verifier[];
  readonly result: () => SignatureView;
}

function plan(name: string, layer: LayerDraft, draft: SignatureDraft): Plan {
  const id = draft.fields.get(E.signatureId) ?? draft.fields.get(E.lockedSignatureId);
  const label = draft.kind === 'lock' ? `锁定签名 ${draft.index}` : `电子签名 ${draft.index}`;
  const ref = `${name} ${layerPrefix(draft.depth)}${id === undefined || id === '' ? label : printable(id)}`;
  const object = { kind: 'package', ref } as const;
  const declared = draft.fields.get(E.signatureAlgorithm) || draft.fields.get(E.signatureRule) || '';
  const known = resolveAlgorithm(declared);
  const view = (algorithm: string, status: SignatureView['status'], reason: Message): Plan => ({
    result: () => ({ object, algorithm, status, reason }),
  });
  const shownAlg = known === undefined ? declared || 'unknown' : algorithmLabel(known);
  if (known === undefined) {
    return view(shownAlg, 'unsupported', {
      zh: declared === '' ? '签名未声明签名算法标识，无法核验' : `不支持的签名算法“${printable(declared)}”，无法核验`,
      en:
        declared === ''
          ? 'the signature names no algorithm and cannot be checked'
          : `unsupported signature algorithm "${printable(declared)}"; not checked`,
    });
  }
  const key = signingKey(draft.certificates);
  if (key === undefined) {
    const cited = draft.fields.get(E.certificateRef);
    return view(shownAlg, 'unsupported', {
      zh: cited
        ? `证书仅以引证（${printable(cited)}）给出，未随包提供，无法核验`
        : '证书块中没有可解析的 X.509 证书，无法核验',
      en: cited
        ? `the certificate is only cited (${printable(cited)}), not included; not checked`
        : 'no parsable X.509 certificate in 证书块; not checked',
    });
  }
  const signature = Buffer.from((draft.fields.get(E.signatureResult) ?? '').replace(/\s+/g, ''), 'base64');
  if (signature.length === 0) return view(shownAlg, 'invalid', { zh: '签名结果为空', en: '签名结果 is empty' });
  const range = draft.kind === 'lock' ? lockedRange(layer, draft) : layer.signed;
  if (range === undefined) {
    return view(shownAlg, 'invalid', {
      zh: draft.kind === 'lock' ? '找不到被锁定的电子签名' : '找不到签名所覆盖的被签名对象（文件不完整？）',
      en:
        draft.kind === 'lock'
          ? 'the locked 电子签名 is not in the package'
          : 'the 被签名对象 the signature covers could not be located (is the file complete?)',
    });
  }
  const built = verifiers(known, key.key, signature);
  if ('mismatch' in built) return view(shownAlg, 'invalid', built.mismatch);
  const algorithm = algorithmLabel(built.alg);
  const signer = draft.fields.get(E.signer);
  return {
    range,
    verifiers: built.list,
    result: () => {
      const ok = built.list.some((v) => v.check(v.verify));
      const what = draft.kind === 'lock' ? '被锁定的电子签名' : '被签名对象';
      const whatEn = draft.kind === 'lock' ? 'locked 电子签名' : '被签名对象';
      if (!ok) {
        return {
          object,
          algorithm,
          status: 'invalid',
          reason: {
            zh: `签名与${what}不符：签名后内容被改动，或签名所用密钥与证书不符（按文件中${what}元素的原始字节核验）`,
            en: `the signature does not match the ${whatEn}: the content changed after signing, or another key signed it (checked over the exact bytes of the element in the file)`,
          },
        };
      }
      const weak =
        built.alg.hash === 'sha1'
          ? { zh: '；SHA-1 已不安全，仅供参考', en: '; SHA-1 is broken, so this is weak evidence' }
          : { zh: '', en: '' };
      return {
        object,
        algorithm,
        status: 'verified',
        reason: {
          zh: `签名有效，与证书“${printable(key.subject)}”${signer ? `（签名人：${printable(signer)}）` : ''}的公钥相符；未核验证书链、有效期与吊销状态${weak.zh}`,
          en: `the signature verifies with the key of certificate "${printable(key.subject)}"${signer ? ` (signer: ${printable(signer)})` : ''}; the certificate chain, validity and revocation were not checked${weak.en}`,
        },
      };
    },
  };
}

function lockedRange(layer: LayerDraft, lock: SignatureDraft): ByteRange | undefined {
  const target = lock.fields.get(E.lockedSignatureId);
  return layer.signatures.find((s) => s.kind === 'signature' && s.fields.get(E.signatureId) === target)?.range;
}

function signingKey(certificates: readonly string[]): { key: KeyObject; subject: string } | undefined {
  for (const text of certificates) {
    try {
      const pem = text.includes('-----BEGIN');
      const cert = new X509Certificate(pem ? Buffer.from(text) : Buffer.from(text.replace(/\s+/g, ''), 'base64'));
      // Re-importing the SPKI gives an SM2 key its SM2 type (STACK.md: Node signs plain ECDSA otherwise).
      const key = createPublicKey({
        key: cert.publicKey.export({ type: 'spki', format: 'der' }),
        format: 'der',
        type: 'spki',
      });
      return { key, subject: cert.subject.replace(/\n/g, ', ') };
    } catch {
      // try the next certificate
    }
  }
  return undefined;
}

type Built = { alg: KnownAlgorithm; list: Verifier[] } | { mismatch: Message };

function verifiers(alg: KnownAlgorithm, key: KeyObject, signature: Buffer): Built {
  const type = key.asymmetricKeyType;
  const mismatch = (want: string): Built => ({
    mismatch: {
      zh: `证书公钥类型（${type ?? 'SM2'}）与签名算法（${want}）不符`,
      en: `the certificate's key type (${type ?? 'SM2'}) does not fit the signature algorithm (${want})`,
    },
  });
  if (alg.kind === 'rsa') {
    if (type !== 'rsa') return mismatch('RSA');
    let hash = alg.hash;
    if (hash === undefined) {
      // Bare "RSA": the PKCS #1 v1.5 DigestInfo inside the signature names the digest.
      try {
        hash = digestInfoHash(publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature));
      } catch {
        hash = undefined;
      }
      if (hash === undefined)
        return {
          mismatch: {
            zh: '签名不是该证书公钥所做的 RSA 签名',
            en: "the signature is not an RSA signature by the certificate's key",
          },
        };
    }
    return {
      alg: { kind: 'rsa', hash },
      list: [{ verify: createVerify(hash), check: (v) => v.verify(key, signature) }],
    };
  }
  const dsaEncoding = isDer(signature) ? 'der' : 'ieee-p1363';
  if (alg.kind === 'ecdsa') {
    if (type !== 'ec') return mismatch('ECDSA');
    return {
      alg,
      list: [{ verify: createVerify(alg.hash!), check: (v) => v.verify({ key, dsaEncoding }, signature) }],
    };
  }
  if (type !== undefined) return mismatch('SM2');
  const list: Verifier[] = [];
  for (const id of [SM2_DEFAULT_ID, Buffer.alloc(0)]) {
    const z = sm2Z(key, id);
    if (z === undefined) continue;
    const verify = createVerify('sm3');
    verify.update(z);
    list.push({ verify, check: (v) => v.verify({ key, dsaEncoding }, signature) });
  }
  return { alg, list };
}

/** A DER SEQUENCE of two INTEGERs (ECDSA/SM2 r, s), as opposed to raw r ‖ s. */
function isDer(sig: Buffer): boolean {
  if (sig.length < 8 || sig[0] !== 0x30) return false;
  if (sig[1] === sig.length - 2) return sig[2] === 0x02; // short-form length
  return sig[1] === 0x81 && sig[2] === sig.length - 3 && sig[3] === 0x02; // P-521 needs the long form
}
