import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../../packages/test-support/temp.js';
import { readEep } from './eep-reader.js';
import { resolveAlgorithm } from './signature-algorithms.js';
import {
  buildEep,
  ecdsaIdentity,
  eepXml,
  FIXTURE_RECORD,
  rsaIdentity,
  signatureBlockXml,
  signedObjectXml,
  sm2Identity,
  type SigningIdentity,
} from './test-support/eep-fixtures.js';

const temp = tempDirs();
afterAll(() => temp.cleanup());

let rsa: SigningIdentity;
beforeAll(async () => {
  rsa = await rsaIdentity();
});

async function signaturesOf(
  xml: string | Buffer,
): Promise<{ algorithm: string; status: string; ref: string; en: string }[]> {
  const dir = await temp.make();
  const file = join(dir, 'p.eep');
  await writeFile(file, xml);
  const r = await readEep(file, await temp.make());
  expect(r.problems).toEqual([]);
  return r.signatures.map((s) => ({
    algorithm: s.algorithm,
    status: s.status,
    ref: s.object.ref,
    en: s.reason?.en ?? '',
  }));
}

describe('EEP signature algorithms', () => {
  it('verifies ECDSA P-256 with SHA-256, DER or raw r‖s encoded', async () => {
    const der = await ecdsaIdentity('der');
    const raw = await ecdsaIdentity('ieee-p1363');
    expect(raw.sign(Buffer.from('x'))).toHaveLength(64);
    const result = await signaturesOf(buildEep([FIXTURE_RECORD], [der, raw]).xml);
    expect(result.map((s) => [s.algorithm, s.status])).toEqual([
      ['ECDSA-SHA256', 'verified'],
      ['ECDSA-SHA256', 'verified'],
    ]);
  });

  it('verifies SM2 with SM3 signed by openssl with the GM/T 0009 default ID and with OpenSSL’s empty ID', async () => {
    const gmt = sm2Identity('1234567812345678');
    const plain = sm2Identity(undefined);
    const result = await signaturesOf(buildEep([FIXTURE_RECORD], [gmt, plain]).xml);
    expect(result.map((s) => [s.algorithm, s.status])).toEqual([
      ['SM2-SM3', 'verified'],
      ['SM2-SM3', 'verified'],
    ]);
  });

  it('finds an SM2 signature by another key invalid', async () => {
    const a = sm2Identity();
    const b = sm2Identity();
    const liar: SigningIdentity = { ...a, sign: (d) => b.sign(d) };
    expect((await signaturesOf(buildEep([FIXTURE_RECORD], [liar]).xml))[0]).toMatchObject({ status: 'invalid' });
  });

  it('verifies RSA-SHA1 but says SHA-1 is weak', async () => {
    const sha1 = await rsaIdentity('sha1');
    const [s] = await signaturesOf(buildEep([FIXTURE_RECORD], [sha1]).xml);
    expect(s).toMatchObject({ algorithm: 'RSA-SHA1', status: 'verified' });
    expect(s!.en).toContain('SHA-1 is broken');
  });

  it('reads the digest of a bare "RSA" (the Annex schema default) from the DigestInfo', async () => {
    const bare: SigningIdentity = { ...rsa, algorithm: 'RSA' };
    expect(await signaturesOf(buildEep([FIXTURE_RECORD], [bare]).xml)).toEqual([
      expect.objectContaining({ algorithm: 'RSA-SHA256', status: 'verified' }),
    ]);
  });

  it('accepts OIDs and XML-DSig URIs as algorithm names', async () => {
    for (const name of [
      '1.2.840.113549.1.1.11',
      'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
      'RSA-SHA256',
      'sha256WithRSAEncryption',
    ]) {
      const id: SigningIdentity = { ...rsa, algorithm: name };
      expect((await signaturesOf(buildEep([FIXTURE_RECORD], [id]).xml))[0]).toMatchObject({
        algorithm: 'RSA-SHA256',
        status: 'verified',
      });
    }
    expect(resolveAlgorithm('SM3withSM2')).toEqual({ kind: 'sm2', hash: 'sm3' });
    expect(resolveAlgorithm('1.2.156.10197.1.501')).toEqual({ kind: 'sm2', hash: 'sm3' });
    expect(resolveAlgorithm('MD5withRSA')).toBeUndefined();
  });

  it('says unsupported, not verified, for an unknown algorithm and for a missing certificate', async () => {
    const md5: SigningIdentity = { ...rsa, algorithm: 'MD5withRSA' };
    expect((await signaturesOf(buildEep([FIXTURE_RECORD], [md5]).xml))[0]).toMatchObject({
      algorithm: 'MD5withRSA',
      status: 'unsupported',
    });
    const so = signedObjectXml([FIXTURE_RECORD]);
    const noCert = signatureBlockXml(so, [rsa]).replace(
      /<证书>[^<]*<\/证书>/,
      '<证书引证>https://ca.example/cert.cer</证书引证>',
    );
    const [s] = await signaturesOf(eepXml(so, noCert));
    expect(s).toMatchObject({ status: 'unsupported' });
    expect(s!.en).toContain('only cited');
  });

  it('finds a key type that does not fit the algorithm invalid', async () => {
    const wrong: SigningIdentity = { ...rsa, algorithm: 'SHA256withECDSA' };
    const [s] = await signaturesOf(buildEep([FIXTURE_RECORD], [wrong]).xml);
    expect(s).toMatchObject({ status: 'invalid' });
    expect(s!.en).toContain('key type');
  });

  it('verifies a 锁定签名 over the exact bytes of the 电子签名 it locks', async () => {
    const so = signedObjectXml([FIXTURE_RECORD]);
    const block = signatureBlockXml(so, [rsa]);
    const locked = /<电子签名>[\s\S]*<\/电子签名>/.exec(block)![0];
    const lockXml = (sig: Buffer): string =>
      `<锁定签名><被锁定签名标识符>修改0-签名1</被锁定签名标识符><签名规则>锁定</签名规则><签名结果>${sig.toString('base64')}</签名结果><证书块><证书>${rsa.certificate.toString('base64')}</证书></证书块><签名算法标识>SHA256withRSA</签名算法标识></锁定签名>`;
    const good = eepXml(so, `${block}\n${lockXml(rsa.sign(Buffer.from(locked)))}`);
    expect((await signaturesOf(good)).map((s) => [s.ref, s.status])).toEqual([
      ['p.eep 修改0-签名1', 'verified'],
      ['p.eep 修改0-签名1', 'verified'],
    ]);
    const bad = eepXml(so, `${block}\n${lockXml(rsa.sign(Buffer.from(`${locked} `)))}`);
    expect((await signaturesOf(bad)).map((s) => s.status)).toEqual(['verified', 'invalid']);
  });

  it('reads signature fields written straight under 电子签名块 (nh-deep style)', async () => {
    const so = signedObjectXml([FIXTURE_RECORD]);
    const block = signatureBlockXml(so, [rsa])
      .replace('<电子签名>', '')
      .replace('</电子签名>', '')
      .replace(/签名标识符/g, '签名标识符号');
    expect(await signaturesOf(eepXml(so, block))).toEqual([
      expect.objectContaining({ status: 'verified', ref: 'p.eep 修改0-签名1' }),
    ]);
  });

  it('does not verify a signature made over a re-serialised 被签名对象', async () => {
    const so = signedObjectXml([FIXTURE_RECORD]);
    // A signer that canonicalised whitespace away signed different bytes from those in the file.
    const reserialised: SigningIdentity = {
      ...rsa,
      sign: (d) => rsa.sign(Buffer.from(d.toString().replace(/>\s+</g, '><'))),
    };
    const [s] = await signaturesOf(eepXml(so, signatureBlockXml(so, [reserialised])));
    expect(s).toMatchObject({ status: 'invalid' });
    expect(s!.en).toContain('exact bytes');
  });
});
