import { createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { YinjiError } from '../core/errors.js';
import { checkpointText, parseCheckpoint, signCheckpoint, verifyCheckpoint } from './checkpoint.js';
import {
  addCosignatures,
  cosignCheckpoint,
  MAX_WITNESS_PROOF_HASHES,
  verifyCosignature,
  witnessCheckpoint,
  WitnessError,
  witnessVerifierKey,
  type WitnessRequest,
} from './cosignature.js';
import { emptyRoot, leafHash, type LedgerHashAlgorithm } from './hash.js';
import { consistencyProofOf, rootOf } from './merkle.js';
import { COSIGNATURE_ED25519, generateLogKey, logKeyFromSignerKey, parseVerifierKey } from './note-key.js';
import { parseNote, verifyNote } from './note.js';

// A real checkpoint of the arche2025h1 staging CT log (transparency.dev), as
// florolf/tlog-scales tests/test_signing.py quotes it, with four live witness
// cosignatures. The log signs with Ed25519 (type 0x01) and with an RFC 6962
// STH signature (type 0x05, which we ignore). The vkeys are as the witnesses
// publish them; remora's is also in transparency-dev/formats
// note/note_cosigv1_test.go. All cosign at 1779573024 (2026-05-23T21:50:24Z).
const ARCHE = [
  'arche2025h1.staging.ct.transparency.dev',
  '1432088532',
  'U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=',
  '',
  '\u2014 arche2025h1.staging.ct.transparency.dev zTM8sQAAAZ5W0WdjBAMARjBEAiBjW5IQf9pvsYLfQFX6hoGREPMHbdQ3urbllzalApkptQIgIpwtEroeW2BXaHAI4kJXFbon5Ch9MNL5zRNZ55lvGt0=',
  '\u2014 arche2025h1.staging.ct.transparency.dev ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/27lefwhUkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=',
  '\u2014 transparency.dev/DEV:witness-little-garden 2AQqhwAAAABqEiEgzgFIqqhbUoDwjMWE6UP8nd8/KYTzwZ2rhIgcqoXHAwVkjZr4AscylP3v7sEodkRAErumC2q44vdgJY096st5BQ==',
  '\u2014 witness1.smartit.nu/witness1 pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlTAm3g2RKS4+eebl8eO0WH+/iEcxZ75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDsUAQ==',
  '\u2014 remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==',
  '\u2014 witness.stagemole.eu Z/euoAAAAABqEiEgw0i+7g2ENfDAWHmtRzCfKTHSDwYDJA2NmKeGi9Y8FtEyOUvVr+AJmIY/2TUFucgKi7lI7cUiOvKFYe/TmN9DAg==',
  '',
].join('\n');
const ARCHE_LOG = 'arche2025h1.staging.ct.transparency.dev+ba2f06c0+AU0vHmlGCS/PdN8b2OaGmKprLI8HKM+dJ472xgFYh15f';
const REMORA = 'remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2';
const WITNESSES = [
  REMORA,
  'witness.stagemole.eu+67f7aea0+BEqSG3yu9YrmcM3BHvQYTxwFj3uSWakQepafafpUqklv',
  'transparency.dev/DEV:witness-little-garden+d8042a87+BCtusOxINQNUTN5Oj8HObRkh2yHf/MwYaGX4CPdiVEPM',
  'witness1.smartit.nu/witness1+a48c820f+BPSFWg9G6KPiO7QPryYO5Xq4oYJJ+kAvLKLSimDhoxMO',
];
const ARCHE_TIME = new Date('2026-05-23T21:50:24Z');

// golang.org/x/mod/sumdb/note note_test.go signer key, used here as a witness key.
const PETER = logKeyFromSignerKey('PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz');

const ORIGIN = 'yinji.example.gov.cn/log';
const logKey = generateLogKey(ORIGIN);
const witnessKey = generateLogKey('witness.example.gov.cn/w1');
const otherWitness = generateLogKey('witness.example.gov.cn/w2');
const T = new Date('2025-03-01T08:00:00.750Z');

const LEAVES = Array.from({ length: 40 }, (_, i) => leafHash(Buffer.from(`record ${i}`)));
const FORKED = LEAVES.map((h, i) => (i === 3 ? leafHash(Buffer.from('rewritten record 3')) : h));

function checkpointOf(leaves: readonly Uint8Array[], n: number, alg: LedgerHashAlgorithm = 'sha256'): string {
  return signCheckpoint({ origin: ORIGIN, size: n, root: rootOf(leaves.slice(0, n), alg) }, logKey);
}

/** Flip the bit `bit` of the bytes of signature line `index` of `note`. */
function flipSignatureBit(note: string, index: number, bit: number): string {
  const lines = note.split('\n');
  const at = lines.indexOf('') + 1 + index;
  const [dash, name, b64] = lines[at]!.split(' ') as [string, string, string];
  const blob = Buffer.from(b64, 'base64');
  blob[bit >> 3]! ^= 0x80 >> (bit & 7);
  lines[at] = `${dash} ${name} ${blob.toString('base64')}`;
  return lines.join('\n');
}

describe('tlog-cosignature known answers', () => {
  it('verifies the live witnesses’ cosignatures of a real checkpoint and reads their timestamp', () => {
    for (const vkey of WITNESSES) expect(verifyCosignature(ARCHE, vkey), vkey).toEqual({ time: ARCHE_TIME });
  });

  it('still parses the cosigned checkpoint, and the log key still verifies it', () => {
    expect(parseCheckpoint(ARCHE)).toMatchObject({
      origin: 'arche2025h1.staging.ct.transparency.dev',
      size: 1432088532,
    });
    expect(parseCheckpoint(ARCHE).signatures).toHaveLength(6);
    const cp = verifyCheckpoint(ARCHE, ARCHE_LOG);
    expect(cp.signatures.map((s) => s.keyId)).toEqual([0xba2f06c0]);
    // A witness's cosignature key verifies no plain note, and the other way round.
    expect(() => verifyNote(ARCHE, REMORA)).toThrow(/malformed verifier key/);
    expect(() => verifyCosignature(ARCHE, ARCHE_LOG)).toThrow(/unsupported signature type/);
  });

  it('derives the 0x04 key ID of the spec (SHA-256(name ‖ "\\n" ‖ 0x04 ‖ key)[:4])', () => {
    expect(parseVerifierKey(REMORA, COSIGNATURE_ED25519)).toMatchObject({ name: 'remora.n621.de', keyId: 0xda77ade7 });
    // The same key under type 0x01 has another key ID.
    const typed = Buffer.from(REMORA.split('+')[2]!, 'base64');
    typed[0] = 0x01;
    expect(() => parseVerifierKey(REMORA)).toThrow(/unsupported signature type/);
    expect(() => parseVerifierKey(`remora.n621.de+da77ade7+${typed.toString('base64')}`)).toThrow(/key ID/);
  });

  it('refuses the real cosignature once the checkpoint or the timestamp is altered', () => {
    const resized = ARCHE.replace('\n1432088532\n', '\n1432088533\n');
    for (const vkey of WITNESSES) {
      expect(() => verifyCosignature(resized, vkey)).toThrow(expect.objectContaining({ reason: 'bad-signature' }));
    }
    // remora's line is the 5th; bit 95 is the last bit of its timestamp (after the 4-byte key ID).
    const retimed = flipSignatureBit(ARCHE, 4, 95);
    expect(parseNote(retimed).signatures[4]!.keyId).toBe(0xda77ade7);
    expect(() => verifyCosignature(retimed, REMORA)).toThrow(expect.objectContaining({ reason: 'bad-signature' }));
    expect(verifyCosignature(retimed, WITNESSES[1]!).time).toEqual(ARCHE_TIME);
  });

  it('signs exactly the spec’s message: "cosignature/v1\\ntime <t>\\n" ‖ checkpoint body', () => {
    // c2sp.org/tlog-cosignature "Ed25519 signed message" example.
    const body = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
    const note = `${body}\n\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n`;
    const line = cosignCheckpoint(note, PETER, new Date(1679315147_000));
    const [dash, name, b64] = line.slice(0, -1).split(' ') as [string, string, string];
    expect([dash, name, line.endsWith('\n')]).toEqual(['\u2014', 'PeterNeumann', true]);
    const blob = Buffer.from(b64, 'base64');
    expect(blob).toHaveLength(4 + 8 + 64);
    expect(blob.readUInt32BE(0)).toBe(parseVerifierKey(witnessVerifierKey(PETER), COSIGNATURE_ED25519).keyId);
    expect(blob.readBigUInt64BE(4)).toBe(1679315147n);
    const message = 'cosignature/v1\ntime 1679315147\n' + body;
    const publicKey = createPublicKey(PETER.privateKeyPem);
    expect(verify(null, Buffer.from(message), publicKey, blob.subarray(12))).toBe(true);
    // Ed25519 is deterministic: the same inputs give the same line.
    expect(cosignCheckpoint(note, PETER, new Date(1679315147_999))).toBe(line);
  });
});

describe('cosignCheckpoint / verifyCosignature / addCosignatures', () => {
  const note = signCheckpoint({ origin: ORIGIN, size: 7, root: rootOf(LEAVES.slice(0, 7)) }, logKey);
  const wvkey = witnessVerifierKey(witnessKey);

  it('round-trips: the cosignature verifies and its timestamp is the signing time in whole seconds', () => {
    expect(wvkey).toMatch(/^witness\.example\.gov\.cn\/w1\+[0-9a-f]{8}\+B[A-Za-z0-9+/]{43}$/);
    const cosigned = addCosignatures(note, [cosignCheckpoint(note, witnessKey, T)]);
    expect(verifyCosignature(cosigned, wvkey)).toEqual({ time: new Date('2025-03-01T08:00:00Z') });
    expect(verifyCosignature(new TextEncoder().encode(cosigned), wvkey).time).toEqual(new Date('2025-03-01T08:00:00Z'));
    // The checkpoint parser and the log key are unaffected by the extra line.
    expect(parseCheckpoint(cosigned)).toMatchObject({ origin: ORIGIN, size: 7 });
    expect(verifyCheckpoint(cosigned, logKey.verifierKey).signatures).toHaveLength(1);
    // The witness's plain (0x01) key does not verify its cosignature.
    expect(() => verifyNote(cosigned, witnessKey.verifierKey)).toThrow(
      expect.objectContaining({ reason: 'untrusted' }),
    );
  });

  it('covers extension lines and refuses every alteration', () => {
    const ext = signCheckpoint({ origin: ORIGIN, size: 7, root: rootOf(LEAVES.slice(0, 7)) }, logKey).replace(
      /\n\n/,
      '\nextension line\n\n',
    );
    const cosigned = addCosignatures(ext, [cosignCheckpoint(ext, witnessKey, T)]);
    expect(verifyCosignature(cosigned, wvkey).time.getTime()).toBe(Math.floor(T.getTime() / 1000) * 1000);
    const bad = (n: string): void => {
      expect(() => verifyCosignature(n, wvkey)).toThrow(expect.objectContaining({ reason: 'bad-signature' }));
    };
    bad(cosigned.replace('extension line', 'extension Line'));
    bad(cosigned.replace(`${ORIGIN}\n7\n`, `${ORIGIN}\n8\n`));
    bad(flipSignatureBit(cosigned, 1, 95)); // the timestamp
    bad(flipSignatureBit(cosigned, 1, 12 * 8 + 5)); // the signature
    // A timestamp beyond what a Date holds (and the spec's 2^63 − 1) is refused.
    bad(flipSignatureBit(cosigned, 1, 32));
    // Truncated bytes (still a syntactically valid signature line).
    const [dash, name, b64] = cosignCheckpoint(ext, witnessKey, T).slice(0, -1).split(' ') as [string, string, string];
    const short = `${dash} ${name} ${Buffer.from(b64, 'base64').subarray(0, 70).toString('base64')}\n`;
    bad(addCosignatures(ext, [short]));
  });

  it('refuses a cosignature by another witness, or none', () => {
    const cosigned = addCosignatures(note, [cosignCheckpoint(note, witnessKey, T)]);
    expect(() => verifyCosignature(cosigned, witnessVerifierKey(otherWitness))).toThrow(
      expect.objectContaining({ code: 'E_NOTE_INVALID', reason: 'untrusted' }),
    );
    // Same name, another key: another key ID, so not this witness's cosignature.
    const impostor = { ...generateLogKey('witness.example.gov.cn/w1') };
    const forged = addCosignatures(note, [cosignCheckpoint(note, impostor, T)]);
    expect(() => verifyCosignature(forged, wvkey)).toThrow(expect.objectContaining({ reason: 'untrusted' }));
    expect(() => verifyCosignature(note, wvkey)).toThrow(/no cosignature by witness/);
    expect(() => verifyCosignature(cosigned, 'not a vkey')).toThrow(/malformed verifier key/);
  });

  it('returns the latest timestamp when a witness cosigned twice', () => {
    const later = new Date(T.getTime() + 3600_000);
    const twice = `${note}${cosignCheckpoint(note, witnessKey, T)}${cosignCheckpoint(note, witnessKey, later)}`;
    expect(verifyCosignature(twice, wvkey).time.getTime()).toBe(Math.floor(later.getTime() / 1000) * 1000);
  });

  it('appends lines, deduplicates by key, and keeps the first of a key', () => {
    const a = cosignCheckpoint(note, witnessKey, T);
    const a2 = cosignCheckpoint(note, witnessKey, new Date(T.getTime() + 5000));
    const b = cosignCheckpoint(note, otherWitness, T);
    const once = addCosignatures(note, [a]);
    expect(once).toBe(`${note}${a}`);
    expect(addCosignatures(once, [a, a2, b])).toBe(`${note}${a}${b}`);
    expect(addCosignatures(note, [`${a}${b}`])).toBe(`${note}${a}${b}`); // a tlog-witness response body
    expect(addCosignatures(note, [])).toBe(note);
    const both = addCosignatures(once, [b]);
    expect(verifyCosignature(both, witnessVerifierKey(otherWitness)).time).toEqual(new Date('2025-03-01T08:00:00Z'));
    expect(verifyCheckpoint(both, logKey.verifierKey).size).toBe(7);
  });

  it('refuses malformed lines', () => {
    const a = cosignCheckpoint(note, witnessKey, T);
    for (const lines of [[a.slice(0, -1)], ['\n'], [a, '\n'], [`${a}\n${a}`], [a.replace('\u2014', '-')], [42]]) {
      expect(() => addCosignatures(note, lines as string[]), JSON.stringify(lines)).toThrow(
        expect.objectContaining({ reason: 'malformed' }),
      );
    }
    expect(() =>
      addCosignatures(
        note,
        Array.from({ length: 101 }, () => cosignCheckpoint(note, witnessKey, T)),
      ),
    ).toThrow(/more than 100/);
  });

  it('cosigns checkpoints only, at a valid time', () => {
    expect(() => cosignCheckpoint(`hello\n\n${note.split('\n\n')[1]!}`, witnessKey, T)).toThrow(/malformed checkpoint/);
    expect(() =>
      cosignCheckpoint(checkpointText({ origin: ORIGIN, size: 1, root: LEAVES[0]! }), witnessKey, T),
    ).toThrow(/malformed signed note/);
    expect(() => cosignCheckpoint(note, witnessKey, new Date(NaN))).toThrow(/invalid cosignature time/);
    expect(() => cosignCheckpoint(note, witnessKey, new Date(-1000))).toThrow(/invalid cosignature time/);
    expect(() => cosignCheckpoint(note, { ...witnessKey, verifierKey: otherWitness.verifierKey }, T)).toThrow(
      /does not match/,
    );
  });
});

describe('witnessCheckpoint (tlog-witness add-checkpoint)', () => {
  const wvkey = witnessVerifierKey(witnessKey);
  const base = { logVkey: logKey.verifierKey, witnessKey, now: T } as const;
  const state = (n: number, leaves = LEAVES) => ({ size: n, rootHash: rootOf(leaves.slice(0, n)) });
  type Request = WitnessRequest & { readonly checkpointNote: string };
  const request = (previous: WitnessRequest['previous'], n: number, leaves = LEAVES): Request => ({
    ...base,
    previous,
    checkpointNote: checkpointOf(leaves, n),
    proof: previous === undefined ? [] : consistencyProofOf(leaves.slice(0, n), Math.min(previous.size, n)),
  });
  const refused = (r: WitnessRequest, code: string, reason: string): void => {
    let error: unknown;
    try {
      witnessCheckpoint(r);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WitnessError);
    expect(error).toBeInstanceOf(YinjiError);
    expect(error).toMatchObject({ code, reason, details: { reason } });
  };
  const conflict = (r: WitnessRequest, reason: string): void => refused(r, 'E_WITNESS_CONFLICT', reason);
  const badRequest = (r: WitnessRequest, reason: string): void => refused(r, 'E_WITNESS_BAD_REQUEST', reason);

  it('accepts a first checkpoint and cosigns it', () => {
    const r = request(undefined, 5);
    const out = witnessCheckpoint(r);
    expect(out.state).toEqual(state(5));
    expect(out.checkpoint).toMatchObject({ origin: ORIGIN, size: 5 });
    const cosigned = addCosignatures(r.checkpointNote, [out.cosignature]);
    expect(verifyCosignature(cosigned, wvkey).time).toEqual(new Date('2025-03-01T08:00:00Z'));
  });

  it('follows a growing log with valid proofs, and accepts the same checkpoint again', () => {
    let previous = witnessCheckpoint(request(undefined, 1)).state;
    for (const n of [2, 3, 4, 8, 13, 13, 32, 33, 40]) {
      const out = witnessCheckpoint({ ...request(previous, n), oldSize: previous.size });
      expect(out.state).toEqual(state(n));
      previous = out.state;
    }
  });

  it('accepts the empty tree, and growth from it', () => {
    const empty = witnessCheckpoint(request(undefined, 0)).state;
    expect(empty).toEqual({ size: 0, rootHash: emptyRoot() });
    expect(witnessCheckpoint(request(empty, 6)).state.size).toBe(6);
    const bogus = signCheckpoint({ origin: ORIGIN, size: 0, root: LEAVES[0]! }, logKey);
    badRequest({ ...request(undefined, 0), checkpointNote: bogus }, 'malformed');
  });

  it('works for an SM3 log', () => {
    const previous = { size: 5, rootHash: rootOf(LEAVES.slice(0, 5), 'sm3') };
    const r = {
      ...base,
      alg: 'sm3',
      previous,
      checkpointNote: checkpointOf(LEAVES, 9, 'sm3'),
      proof: consistencyProofOf(LEAVES.slice(0, 9), 5, 'sm3'),
    } as const;
    expect(witnessCheckpoint(r).state).toEqual({ size: 9, rootHash: rootOf(LEAVES.slice(0, 9), 'sm3') });
    conflict({ ...r, alg: 'sha256' }, 'inconsistent-proof');
  });

  it('refuses a rewritten log: same size, different root', () => {
    conflict(request(state(8), 8, FORKED), 'fork');
    expect(() => witnessCheckpoint(request(state(8), 8, FORKED))).toThrow(/rewrote its history/);
  });

  it('refuses a rewritten log: a larger tree that does not extend the cosigned one', () => {
    // The forked tree's own honest proof from 8 to 20 does not start at the root the witness holds.
    conflict(request(state(8), 20, FORKED), 'inconsistent-proof');
    // A fork after the cosigned prefix is fine: it is just another future.
    expect(witnessCheckpoint(request(state(3), 20, FORKED)).state.size).toBe(20);
  });

  it('refuses a proof that does not verify', () => {
    const r = request(state(8), 20);
    const tampered = r.proof.map((h, i) => (i === 1 ? Uint8Array.from(h, (b, j) => (j === 0 ? b ^ 1 : b)) : h));
    conflict({ ...r, proof: tampered }, 'inconsistent-proof');
    conflict({ ...r, proof: r.proof.slice(1) }, 'inconsistent-proof');
    conflict({ ...r, proof: [] }, 'inconsistent-proof');
  });

  it('refuses a log that shrank, telling the size it holds', () => {
    conflict(request(state(13), 8), 'smaller-size');
    expect(() => witnessCheckpoint(request(state(13), 8))).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ latestSize: 13 }) }),
    );
  });

  it('checks the client’s old size against its own (409 with the latest size)', () => {
    conflict({ ...request(state(8), 20), oldSize: 5 }, 'old-size-mismatch');
    conflict({ ...request(undefined, 20), oldSize: 5 }, 'old-size-mismatch');
    expect(() => witnessCheckpoint({ ...request(state(8), 20), oldSize: 0 })).toThrow(
      expect.objectContaining({ details: { reason: 'old-size-mismatch', latestSize: 8 } }),
    );
    expect(witnessCheckpoint({ ...request(undefined, 20), oldSize: 0 }).state.size).toBe(20);
    badRequest({ ...request(state(8), 20), oldSize: 21 }, 'malformed');
    badRequest({ ...request(state(8), 20), oldSize: -1 }, 'malformed');
  });

  it('refuses checkpoints the log key did not sign, or signed badly', () => {
    const r = request(state(8), 20);
    badRequest({ ...r, checkpointNote: signCheckpoint(parseCheckpoint(r.checkpointNote), otherWitness) }, 'untrusted');
    badRequest({ ...r, checkpointNote: flipSignatureBit(r.checkpointNote, 0, 40) }, 'bad-signature');
    badRequest({ ...r, checkpointNote: r.checkpointNote.replace('\n20\n', '\n21\n') }, 'bad-signature');
    badRequest({ ...r, checkpointNote: 'not a note' }, 'malformed');
    badRequest({ ...r, origin: 'other.example/log' }, 'malformed');
    expect(witnessCheckpoint({ ...r, origin: ORIGIN }).state.size).toBe(20);
    expect(() => witnessCheckpoint({ ...r, checkpointNote: 'not a note' })).toThrow(
      expect.objectContaining({ cause: expect.objectContaining({ code: 'E_NOTE_INVALID' }) }),
    );
  });

  it('refuses malformed proofs and roots', () => {
    const r = request(state(8), 20);
    badRequest({ ...r, proof: [...r.proof.slice(0, -1), new Uint8Array(31)] }, 'malformed');
    badRequest({ ...r, proof: Array.from({ length: MAX_WITNESS_PROOF_HASHES + 1 }, () => LEAVES[0]!) }, 'malformed');
    badRequest({ ...r, proof: 'nope' as unknown as Uint8Array[] }, 'malformed');
    badRequest({ ...request(undefined, 20), proof: [LEAVES[0]!] }, 'malformed'); // first sight takes no proof
    badRequest({ ...request(state(8), 8), proof: [LEAVES[0]!] }, 'malformed'); // nor does an equal size
    const shortRoot = signCheckpoint({ origin: ORIGIN, size: 20, root: new Uint8Array(20) }, logKey);
    badRequest({ ...r, checkpointNote: shortRoot }, 'malformed');
  });

  it('treats its own bad state or key as a configuration error, not the log’s fault', () => {
    const r = request(state(8), 20);
    expect(() => witnessCheckpoint({ ...r, previous: { size: -1, rootHash: LEAVES[0]! } })).toThrow(
      expect.objectContaining({ code: 'E_INVALID_INPUT' }),
    );
    expect(() => witnessCheckpoint({ ...r, logVkey: 'garbage' })).toThrow(
      expect.objectContaining({ code: 'E_INVALID_INPUT' }),
    );
    expect(() => witnessCheckpoint({ ...r, now: new Date(NaN) })).toThrow(
      expect.objectContaining({ code: 'E_INVALID_INPUT' }),
    );
  });
});
