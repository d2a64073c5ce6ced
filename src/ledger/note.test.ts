import { describe, expect, it } from 'vitest';
import { generateLogKey, logKeyFromSignerKey, parseVerifierKey, isValidKeyName } from './note-key.js';
import { MAX_NOTE_SIGNATURES, parseNote, signNote, verifyNote } from './note.js';

// Reference vectors of golang.org/x/mod/sumdb/note (note_test.go, BSD-3-Clause):
// TestNewVerifier, TestSign, TestOpen.
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG =
  '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG =
  '\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';

describe('signed-note keys (sumdb/note vectors)', () => {
  it('parses the published verifier keys and recomputes their key IDs', () => {
    expect(parseVerifierKey(PETER_VKEY)).toMatchObject({ name: 'PeterNeumann', keyId: 0xc74f20a3 });
    expect(parseVerifierKey(ENOCH_VKEY)).toMatchObject({ name: 'EnochRoot', keyId: 0xaf0cfe78 });
  });

  it('imports the published signer key and derives the published verifier key', () => {
    expect(logKeyFromSignerKey(PETER_SKEY)).toMatchObject({ name: 'PeterNeumann', verifierKey: PETER_VKEY });
  });

  it('refuses every substring and every one-character mangling of a verifier key (TestNewVerifier)', () => {
    const b = PETER_VKEY;
    for (let i = 0; i <= b.length; i++) {
      for (let j = i + 1; j <= b.length; j++) {
        if (i !== 0 || j !== b.length) expect(() => parseVerifierKey(b.slice(i, j)), b.slice(i, j)).toThrow();
      }
    }
    for (let i = 0; i < b.length; i++) {
      const m = b.slice(0, i) + String.fromCharCode(b.charCodeAt(i) + 1) + b.slice(i + 1);
      expect(() => parseVerifierKey(m), m).toThrow();
    }
    // Wrong key length and unknown algorithm, each with an adjusted key hash.
    expect(() =>
      parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='),
    ).toThrow();
    expect(() => parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')).toThrow();
    expect(() => parseVerifierKey(42 as unknown as string)).toThrow();
  });

  it('refuses mangled signer keys', () => {
    expect(() => logKeyFromSignerKey(PETER_SKEY.replace('c74f20a3', 'c74f20a4'))).toThrow(/key ID/);
    expect(() => logKeyFromSignerKey(PETER_SKEY.slice(0, -1))).toThrow();
    expect(() => logKeyFromSignerKey(PETER_SKEY.replace('PRIVATE', 'PUBLIC'))).toThrow();
  });

  it('generates keys that verify their own notes; names follow the spec', () => {
    const key = generateLogKey('yinji.example.gov.cn/log');
    expect(key.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(key.verifierKey).toMatch(/^yinji\.example\.gov\.cn\/log\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}$/);
    expect(verifyNote(signNote('hello\n', key), key.verifierKey).text).toBe('hello\n');
    expect(() => generateLogKey('has space')).toThrow();
    expect(() => generateLogKey('a+b')).toThrow();
    expect(() => generateLogKey('')).toThrow();
    expect(isValidKeyName('档案馆/日志')).toBe(true);
    expect(isValidKeyName('全角\u3000空格')).toBe(false);
    expect(isValidKeyName('nel\u0085x')).toBe(false);
    expect(isValidKeyName('ctl\u0001x')).toBe(false);
  });
});

describe('signed notes (sumdb/note TestSign, TestOpen)', () => {
  const peter = logKeyFromSignerKey(PETER_SKEY);

  it('signs byte for byte like the reference implementation (Ed25519 is deterministic)', () => {
    expect(signNote(TEXT, peter)).toBe(`${TEXT}\n${PETER_SIG}`);
    expect(() => signNote('abc', peter)).toThrow(/newline/);
    expect(() => signNote('a\u0001b\n', peter)).toThrow(/control/);
  });

  it('verifies with one key, ignoring the other signature; with both keys, both', () => {
    const note = `${TEXT}\n${PETER_SIG}${ENOCH_SIG}`;
    const one = verifyNote(note, PETER_VKEY);
    expect(one.text).toBe(TEXT);
    expect(one.signatures.map((s) => [s.name, s.keyId])).toEqual([['PeterNeumann', 0xc74f20a3]]);
    const both = verifyNote(new TextEncoder().encode(note), [PETER_VKEY, ENOCH_VKEY]);
    expect(both.signatures.map((s) => s.name)).toEqual(['PeterNeumann', 'EnochRoot']);
    expect(parseNote(note).signatures).toHaveLength(2);
  });

  it('refuses a note no trusted key signed', () => {
    expect(() => verifyNote(`${TEXT}\n${ENOCH_SIG}`, PETER_VKEY)).toThrow(
      expect.objectContaining({ code: 'E_NOTE_INVALID', reason: 'untrusted' }),
    );
    expect(() => verifyNote(`${TEXT}\n${PETER_SIG}`, [])).toThrow(expect.objectContaining({ reason: 'untrusted' }));
  });

  it('refuses a bad signature by a trusted key, even beside a good one', () => {
    const bad = PETER_SIG.slice(0, 58) + 'ABCD' + PETER_SIG.slice(58);
    expect(() => verifyNote(`${TEXT}\n${bad}`, PETER_VKEY)).toThrow(
      expect.objectContaining({ reason: 'bad-signature' }),
    );
    expect(() => verifyNote(`${TEXT}\n${PETER_SIG}${bad}`, PETER_VKEY)).toThrow(
      expect.objectContaining({ reason: 'bad-signature' }),
    );
    expect(() => verifyNote(`${TEXT.replace('you', 'we')}\n${PETER_SIG}`, PETER_VKEY)).toThrow(/invalid signature/);
  });

  it('counts duplicate signatures once, and refuses more than 100 lines', () => {
    expect(verifyNote(`${TEXT}\n${PETER_SIG}${PETER_SIG}`, PETER_VKEY).signatures).toHaveLength(1);
    expect(() => verifyNote(`${TEXT}\n${PETER_SIG.repeat(MAX_NOTE_SIGNATURES + 1)}`, PETER_VKEY)).toThrow(/malformed/);
  });

  it('refuses malformed notes (the TestOpen badMsgs)', () => {
    const bad = [
      TEXT,
      `${TEXT}\n`,
      `${TEXT}\n${PETER_SIG.slice(0, -1)}`,
      `\u0001${TEXT}\n${PETER_SIG}`,
      `${TEXT}\n\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=`,
      `${TEXT}\n${PETER_SIG}Unexpected line.\n`,
      `${TEXT}\n- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
      `${TEXT}\n\u2014 PeterNeumann\n`,
      `${TEXT}\n\u2014 PeterNeumann AAAA\n`,
      `${TEXT}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM\n`,
      `${TEXT}\ud800\n${PETER_SIG}`,
    ];
    for (const msg of bad) {
      expect(() => verifyNote(msg, PETER_VKEY), JSON.stringify(msg)).toThrow(
        expect.objectContaining({ reason: 'malformed' }),
      );
    }
    // Not UTF-8 (Go's "\xff" + text case) and not text at all.
    const bytes = Buffer.concat([Buffer.from([0xff]), Buffer.from(`${TEXT}\n${PETER_SIG}`)]);
    expect(() => verifyNote(bytes, PETER_VKEY)).toThrow(/UTF-8/);
    expect(() => parseNote(7 as unknown as string)).toThrow(/malformed/);
  });
});
