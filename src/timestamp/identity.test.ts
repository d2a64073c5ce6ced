import { X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../core/index.js';
import { certificateSerial, createTsaIdentity } from './identity.js';

describe('TSA identity certificates', () => {
  it('makes every serial positive and minimally encoded, whatever the random first octet (X.690 §8.3.2)', () => {
    for (let first = 0; first < 256; first++) {
      for (const second of [0x00, 0x7f, 0x80, 0xff]) {
        const serial = certificateSerial(Uint8Array.from([first, second, 1, 2, 3]));
        expect(serial[0]! >= 0x40 && serial[0]! <= 0x7f).toBe(true);
        const der = new Uint8Array(new asn1js.Integer({ valueHex: serial }).toBER(false));
        // tag 0x02, length, then the content: no 0x00 padding, no sign flip.
        expect([der[0], der[1], der[2]]).toEqual([0x02, serial.length, serial[0]]);
      }
    }
  });

  it('produces certificates OpenSSL (through Node) parses, every time', async () => {
    for (let i = 0; i < 20; i++) {
      const identity = await createTsaIdentity({ name: `印记 TSA ${i}`, clock: systemClock });
      expect(() => new X509Certificate(identity.caCertPem)).not.toThrow();
      expect(new X509Certificate(identity.tsaCertPem).checkIssued(new X509Certificate(identity.caCertPem))).toBe(true);
    }
  });
});
