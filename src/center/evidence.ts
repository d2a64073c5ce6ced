import { createHash } from 'node:crypto';
import { canonicalJson, type Clock, type Logger } from '../core/index.js';
import type { Database, Repositories } from '../db/index.js';
import { MerkleLog, signCheckpoint, type LedgerHashAlgorithm } from '../ledger/index.js';
import { issueTimestamp, requestTimestamp, verifyTimestamp } from '../timestamp/index.js';
import type { CenterKeys } from './keys.js';
import type { RegistrationRecord } from './registration-record.js';
import { buildStatement, type RegistrationStatement } from './statement.js';

/** A statement ready to be logged: its canonical bytes and the trusted timestamp over them. */
export interface PreparedEvidence {
  readonly statement: RegistrationStatement;
  /** RFC 8785 canonical JSON: the log leaf data. */
  readonly statementText: string;
  /** RFC 3161 TimeStampResp (built-in TSA) or TimeStampToken (external TSA), DER, over SHA-256 of statementText. */
  readonly token: Uint8Array;
}

export interface SignedCheckpoint {
  readonly size: number;
  readonly root: Uint8Array;
  /** C2SP signed note. */
  readonly note: string;
}

export const ANCHOR_TYPE = 'yinji-anchor/1';

/** A hash-chain head written into the log: the leaf's index and its canonical JSON. */
export interface AnchorReceipt {
  readonly leafIndex: number;
  readonly statement: string;
}

/** An external RFC 3161 service and the root that verifies its tokens. */
export interface ExternalTsa {
  readonly url: string;
  readonly caPem: string;
}

/**
 * Turns registrations into evidence (issue 3): one statement per version,
 * timestamped by the center's TSA, appended to the center's Merkle log in the
 * same transaction as the registration rows — so a registration reported
 * done always has its leaf, and a crash leaves neither.
 */
export class Evidencer {
  constructor(
    readonly keys: CenterKeys,
    /** Log origin (C2SP tlog-checkpoint), also the checkpoint key name. */
    readonly origin: string,
    readonly alg: LedgerHashAlgorithm,
    private readonly clock: Clock,
    readonly externalTsa: ExternalTsa | undefined = undefined,
    private readonly logger?: Logger,
  ) {}

  /** Outside the transaction: no lock is held while a TSA signs (or is asked over the network). */
  async prepare(db: Database, record: RegistrationRecord, inventoryDigest: string): Promise<PreparedEvidence> {
    const statement = buildStatement(record, inventoryDigest, this.alg);
    const statementText = canonicalJson(statement);
    const hash = createHash('sha256').update(statementText).digest();
    if (this.externalTsa !== undefined) {
      try {
        const token = await requestTimestamp(this.externalTsa.url, {
          hash,
          hashAlgorithm: 'sha256',
          timeoutMs: 15_000,
        });
        // Keep only what verifiers will accept: a token that chains to the configured root.
        const checked = verifyTimestamp(token, { hash, hashAlgorithm: 'sha256', trustedCaPem: this.externalTsa.caPem });
        if (!checked.ok) throw new Error(`token from ${this.externalTsa.url} does not verify: ${checked.reason.en}`);
        return { statement, statementText, token };
      } catch (e) {
        // Evidence must not wait on a remote service: stamp with our own TSA and say so.
        this.logger?.warn({ err: e, regno: record.regno }, 'external TSA failed; built-in TSA used');
        await db.events.append({
          type: 'timestamp-fallback',
          agent: 'system',
          outcome: 'warning',
          detail: {
            regno: record.regno,
            version: record.version,
            tsa: this.externalTsa.url,
            error: (e as Error).message,
          },
        });
      }
    }
    const serial = BigInt(await db.sequences.next('rfc3161-serial'));
    const token = issueTimestamp({ hash, hashAlgorithm: 'sha256', identity: this.keys.tsa, serial, clock: this.clock });
    return { statement, statementText, token };
  }

  /** The root certificate (and TSA certificate) that verify this token: the external TSA's or our own. */
  tsaKeysFor(token: Uint8Array, statementText: string): { tsaCa: string; tsaCert?: string } {
    if (this.externalTsa !== undefined) {
      const hash = createHash('sha256').update(statementText).digest();
      const external = verifyTimestamp(token, { hash, hashAlgorithm: 'sha256', trustedCaPem: this.externalTsa.caPem });
      if (external.ok) return { tsaCa: this.externalTsa.caPem };
    }
    return { tsaCa: this.keys.tsa.caCertPem, tsaCert: this.keys.tsa.tsaCertPem };
  }

  /** Inside the registration transaction: lock the log, append the leaf, keep the evidence. */
  async append(tx: Repositories, prepared: PreparedEvidence): Promise<number> {
    await tx.ledger.lockHead();
    const { firstIndex } = await new MerkleLog(tx.ledger, { alg: this.alg }).append([
      Buffer.from(prepared.statementText, 'utf8'),
    ]);
    await tx.evidence.put({
      regno: prepared.statement.regno,
      version: prepared.statement.version,
      leafIndex: firstIndex,
      statement: prepared.statementText,
      timestampToken: prepared.token,
    });
    return firstIndex;
  }

  /** A signed checkpoint of the log as it is now (reused when the size has not changed). */
  async checkpoint(db: Database): Promise<SignedCheckpoint> {
    const log = new MerkleLog(db.ledger, { alg: this.alg });
    const size = await db.ledger.size();
    const root = await log.root(size);
    const stored = await db.ledger.checkpoint(size);
    if (stored !== undefined) return { size, root, note: stored.note };
    const note = signCheckpoint({ origin: this.origin, size, root }, this.keys.log);
    await db.ledger.putCheckpoint(size, note);
    return { size, root, note };
  }

  /**
   * Anchor the head of another hash chain (e.g. the security audit log) in
   * the transparency log (issue 3 §7): after this, rewriting that chain up to
   * `head` is as detectable as rewriting a registration. Returns the leaf.
   */
  async anchor(db: Database, chain: { kind: string; head: string; length: number }): Promise<AnchorReceipt> {
    const statement = {
      type: ANCHOR_TYPE,
      center: this.origin,
      kind: chain.kind,
      head: chain.head,
      length: chain.length,
      time: this.clock.now().toISOString(),
    };
    const text = canonicalJson(statement);
    const leafIndex = await db.transaction(async (tx) => {
      await tx.ledger.lockHead();
      return (await new MerkleLog(tx.ledger, { alg: this.alg }).append([Buffer.from(text, 'utf8')])).firstIndex;
    });
    return { leafIndex, statement: text };
  }

  log(db: Database): MerkleLog {
    return new MerkleLog(db.ledger, { alg: this.alg });
  }
}
