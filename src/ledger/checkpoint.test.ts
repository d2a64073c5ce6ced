import { describe, expect, it } from 'vitest';
import { checkpointText, parseCheckpoint, signCheckpoint, verifyCheckpoint } from './checkpoint.js';
import { leafHash } from './hash.js';
import { MerkleLog } from './log.js';
import { MemoryLogStorage } from './log-storage.js';
import { generateLogKey } from './note-key.js';
import { signNote } from './note.js';
import { verifyConsistency, verifyInclusion } from './verify.js';

const key = generateLogKey('yinji.example.gov.cn/log');
const root = Buffer.from('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=', 'base64');

describe('C2SP tlog-checkpoint', () => {
  it('formats the body exactly as the spec example', () => {
    // https://c2sp.org/tlog-checkpoint, "Note text" example.
    expect(checkpointText({ origin: 'example.com/behind-the-sofa', size: 20852163, root })).toBe(
      'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
    );
  });

  it('parses the spec example note without a key', () => {
    const note =
      'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n' +
      '\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n';
    const cp = parseCheckpoint(note);
    expect(cp).toMatchObject({ origin: 'example.com/behind-the-sofa', size: 20852163, extensions: [] });
    expect(Buffer.from(cp.root)).toEqual(root);
    expect(cp.signatures[0]).toMatchObject({ name: 'example.com/behind-the-sofa', keyId: 0x033de0ae });
  });

  it('signs and verifies; a tampered size, root or origin fails', () => {
    const note = signCheckpoint({ origin: key.name, size: 7, root }, key);
    const cp = verifyCheckpoint(note, key.verifierKey, { origin: key.name });
    expect(cp).toMatchObject({ origin: key.name, size: 7 });
    expect(Buffer.from(cp.root)).toEqual(root);
    expect(cp.signatures.map((s) => s.name)).toEqual([key.name]);
    expect(() => verifyCheckpoint(note.replace('\n7\n', '\n8\n'), key.verifierKey)).toThrow(
      expect.objectContaining({ code: 'E_NOTE_INVALID', reason: 'bad-signature' }),
    );
    expect(() => verifyCheckpoint(note, generateLogKey(key.name).verifierKey)).toThrow(
      expect.objectContaining({ reason: 'untrusted' }),
    );
    expect(() => verifyCheckpoint(note, key.verifierKey, { origin: 'other.example/log' })).toThrow(/origin/);
  });

  it('keeps witness cosignatures and extension lines it does not know', () => {
    const witness = generateLogKey('witness.example.org');
    const note = signNote('origin.example\n3\n' + root.toString('base64') + '\nsome extension\n', [key, witness]);
    const cp = verifyCheckpoint(note, [key.verifierKey]);
    expect(cp.extensions).toEqual(['some extension']);
    expect(parseCheckpoint(note).signatures).toHaveLength(2);
    expect(verifyCheckpoint(note, [key.verifierKey, witness.verifierKey]).signatures).toHaveLength(2);
  });

  it('refuses malformed checkpoint bodies', () => {
    const b64 = root.toString('base64');
    const bodies = [
      `o\n01\n${b64}\n`,
      `o\n-1\n${b64}\n`,
      `o\n1e3\n${b64}\n`,
      `o\n 1\n${b64}\n`,
      `o\n${2 ** 53}\n${b64}\n`,
      `o\n1\n${b64.slice(0, -1)}\n`,
      `o\n1\n`,
      `\n1\n${b64}\n`,
      `o\n1\n${b64}\n\nx\n`,
    ];
    for (const body of bodies) {
      expect(() => verifyCheckpoint(signNote(body, key), key.verifierKey), JSON.stringify(body)).toThrow(
        expect.objectContaining({ code: 'E_NOTE_INVALID' }),
      );
    }
    expect(() => checkpointText({ origin: 'a\nb', size: 1, root })).toThrow(/origin/);
    expect(() => checkpointText({ origin: 'a', size: -1, root })).toThrow(/size/);
    expect(() => checkpointText({ origin: 'a', size: 1, root: new Uint8Array() })).toThrow(/root/);
  });

  it('ties a log, its checkpoint and the proofs together', async () => {
    const log = new MerkleLog(new MemoryLogStorage());
    const datas = Array.from({ length: 21 }, (_, i) => Buffer.from(`registration ${i}`));
    await log.append(datas.slice(0, 9));
    const old = verifyCheckpoint(
      signCheckpoint({ origin: key.name, size: 9, root: await log.root() }, key),
      key.verifierKey,
    );
    await log.append(datas.slice(9));
    const cp = verifyCheckpoint(
      signCheckpoint({ origin: key.name, size: 21, root: await log.root() }, key),
      key.verifierKey,
    );
    const proof = await log.inclusionProof(17, cp.size);
    expect(
      verifyInclusion({ leafHash: leafHash(datas[17]!), index: 17, treeSize: cp.size, proof, root: cp.root }),
    ).toBe(true);
    const cons = await log.consistencyProof(old.size, cp.size);
    expect(verifyConsistency({ size1: old.size, size2: cp.size, proof: cons, root1: old.root, root2: cp.root })).toBe(
      true,
    );
  });
});
