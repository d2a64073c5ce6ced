import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Base64Stream } from './base64-stream.js';

function decodeInPieces(text: string, cuts: number[]): { data: Buffer; error: Base64Stream['error'] } {
  const s = new Base64Stream();
  const out: Buffer[] = [];
  let at = 0;
  for (const cut of [...cuts, text.length]) {
    out.push(s.write(text.slice(at, cut)));
    at = cut;
  }
  s.end();
  return { data: Buffer.concat(out), error: s.error };
}

describe('Base64Stream', () => {
  it('decodes MIME-wrapped Base64 cut at any points, whatever the padding', () => {
    for (const size of [0, 1, 2, 3, 4, 5, 57, 1000]) {
      const data = randomBytes(size);
      const wrapped = (data.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n  ');
      for (let trial = 0; trial < 20; trial++) {
        const cuts = Array.from({ length: 5 }, () => Math.floor(Math.random() * (wrapped.length + 1))).sort(
          (a, b) => a - b,
        );
        expect(decodeInPieces(wrapped, cuts)).toEqual({ data, error: undefined });
      }
    }
  });

  it('reports characters outside the alphabet, data after padding and a dangling group', () => {
    expect(decodeInPieces('aGVs*G8=', []).error).toBe('bad-character');
    expect(decodeInPieces('aGk=aGk=', [4]).error).toBe('after-padding');
    expect(decodeInPieces('aGk=aGk=', []).error).toBe('after-padding');
    expect(decodeInPieces('aGVsbG8', []).error).toBe('truncated');
  });
});
