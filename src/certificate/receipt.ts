/**
 * The registration receipt (登记回执): self-contained evidence of one
 * registration version, verifiable offline by anyone. Its shape is published
 * as JSON Schema in receipt-v1.schema.json (beside this file).
 */
export interface Receipt {
  readonly type: typeof RECEIPT_TYPE;
  readonly statement: ReceiptStatement;
  readonly log: {
    readonly alg: 'sha256' | 'sm3';
    readonly leafIndex: number;
    readonly treeSize: number;
    /** RFC 9162 §2.1.3 audit path, hex. */
    readonly inclusionProof: readonly string[];
    /** C2SP signed note of the checkpoint of size treeSize. */
    readonly checkpoint: string;
  };
  readonly timestamp: {
    /** RFC 3161 TimeStampResp (or a bare token from an external TSA), base64 DER, over the hash of the canonical statement. */
    readonly token: string;
    readonly hashAlgorithm: 'sha256';
  };
  readonly keys: {
    /** signed-note verifier key of the log. */
    readonly log: string;
    /** PEM root certificate of the time-stamp authority. */
    readonly tsaCa: string;
    readonly tsaCert?: string;
    /** Cosignature verifier keys of the witnesses whose cosignatures the checkpoint carries. */
    readonly witnesses?: readonly string[];
  };
  /** Files in path order; all of them, or one with its Merkle path. */
  readonly files: readonly ReceiptFile[];
  readonly center?: { readonly name?: string; readonly url?: string };
}

/** What one log leaf says about one registration version (its RFC 8785 canonical JSON is the leaf data). */
export interface ReceiptStatement {
  readonly type: typeof STATEMENT_TYPE;
  readonly center: string;
  readonly regno: string;
  readonly version: number;
  readonly unit: { readonly code: string; readonly name: string };
  readonly title: string;
  /** Registration time, ISO 8601 UTC. */
  readonly time: string;
  /** OCFL object id. */
  readonly object: string;
  /** "sha256:<hex>" of the version's OCFL inventory.json. */
  readonly inventory: string;
  readonly files: {
    readonly count: number;
    readonly bytes: number;
    /** Hash of the file tree: "sha256" or "sm3". */
    readonly alg: 'sha256' | 'sm3';
    /** Hex Merkle root over the file leaves, in path order. */
    readonly root: string;
  };
}

export interface ReceiptFile {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  /** Merkle path of this file in the statement's file tree (per-file receipts). */
  readonly proof?: { readonly index: number; readonly count: number; readonly path: readonly string[] };
}

export const RECEIPT_TYPE = 'yinji-receipt/1';
export const STATEMENT_TYPE = 'yinji-registration-statement/1';
