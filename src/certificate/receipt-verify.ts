import { createHash } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { canonicalJson, type Message } from '../core/index.js';
import {
  leafHash,
  rootOf,
  verifyCheckpoint,
  verifyCosignature,
  verifyInclusion,
  type LedgerHashAlgorithm,
} from '../ledger/index.js';
import { verifyTimestamp } from '../timestamp/index.js';
import type { Receipt, ReceiptFile } from './receipt.js';
import schema from './receipt-v1.schema.json' with { type: 'json' };

/** A file the verifier holds: its path relative to the registered tree, size and SHA-256. */
export interface HeldFile {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

export type CheckId =
  | 'format'
  | 'key'
  | 'checkpoint'
  | 'witness'
  | 'inclusion'
  | 'timestamp'
  | 'file-list'
  | 'file'
  | 'log-entry'
  | 'consistency';

export interface Check {
  readonly id: CheckId;
  readonly ok: boolean;
  readonly message: Message;
  /** What the check was about: a file path, a key id… */
  readonly subject?: string;
}

export interface VerifyReport {
  /** True only when every check holds. */
  readonly ok: boolean;
  readonly checks: readonly Check[];
  readonly regno?: string;
  readonly version?: number;
  /** Time of the RFC 3161 token, when it verified. */
  readonly timestampTime?: string;
  /**
   * Whether the keys were pinned by the verifier. Unpinned, a receipt is only
   * shown to be self-consistent: a forger could make one with keys of their
   * own. Pin the log key and TSA root the center publishes.
   */
  readonly pinned?: { readonly logKey: boolean; readonly tsaRoot: boolean };
}

export interface VerifyOptions {
  /** Files the verifier holds; each must be in the receipt with the same size and digest. */
  readonly files?: readonly HeldFile[];
  /** Pin the log key (from the center's published key) instead of trusting the receipt's own copy. */
  readonly trustedLogKey?: string;
  /** Pin the TSA root certificate likewise. */
  readonly trustedTsaCa?: string;
}

const ajv = new Ajv2020({
  allErrors: true,
  strict: false,
  // RFC 3339 date-time, the one format the schema names (ajv-formats would be a dependency for one regex).
  formats: { 'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/ },
});
const validateShape = ajv.compile<Receipt>(schema);

/**
 * Verify a receipt offline, trusting nothing but the keys (the receipt's own
 * or pinned ones): the schema, the checkpoint signature, the leaf's inclusion
 * in the signed tree (RFC 9162 §2.1.3.2), the RFC 3161 token over the
 * statement, the file list against the statement's Merkle root, and every
 * held file against the list. The receipt is untrusted input: this never
 * throws, and says which check failed and why.
 */
export function verifyReceipt(input: unknown, options: VerifyOptions = {}): VerifyReport {
  const checks: Check[] = [];
  const add = (id: CheckId, ok: boolean, zh: string, en: string, subject?: string): boolean => {
    checks.push({ id, ok, message: { zh, en }, ...(subject !== undefined ? { subject } : {}) });
    return ok;
  };
  if (!validateShape(input)) {
    const why = (validateShape.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
    add('format', false, `回执格式无效：${why}`, `receipt is not a valid yinji-receipt/1: ${why}`);
    return { ok: false, checks };
  }
  const r = input;
  const base = { regno: r.statement.regno, version: r.statement.version };
  add('format', true, '回执格式有效', 'receipt format is valid');

  const logKey = options.trustedLogKey ?? r.keys.log;
  if (options.trustedLogKey !== undefined && options.trustedLogKey !== r.keys.log) {
    add(
      'key',
      false,
      '回执中的日志公钥与您信任的公钥不同',
      'the receipt names a different log key than the one you trust',
    );
  }
  const statementText = canonicalJson(r.statement);
  const alg: LedgerHashAlgorithm = r.log.alg;

  // 1. The checkpoint is signed by the log key and is of the size the proof claims.
  let root: Uint8Array | undefined;
  try {
    const cp = verifyCheckpoint(r.log.checkpoint, logKey);
    if (cp.size !== r.log.treeSize) {
      add(
        'checkpoint',
        false,
        `检查点大小 ${cp.size} 与回执所称 ${r.log.treeSize} 不符`,
        `checkpoint size ${cp.size} is not the claimed ${r.log.treeSize}`,
      );
    } else {
      root = cp.root;
      add(
        'checkpoint',
        true,
        `日志检查点签名有效（${cp.origin}，共 ${cp.size} 条）`,
        `checkpoint signature valid (${cp.origin}, size ${cp.size})`,
      );
    }
  } catch (e) {
    add(
      'checkpoint',
      false,
      `日志检查点签名无效：${(e as Error).message}`,
      `checkpoint signature invalid: ${(e as Error).message}`,
    );
  }

  // 1b. Partner centers (witnesses) cosigned that checkpoint: they saw this history, so the log cannot
  // later show them another one (C2SP tlog-witness).
  for (const vkey of r.keys.witnesses ?? []) {
    try {
      const { time } = verifyCosignature(r.log.checkpoint, vkey);
      const name = vkey.split('+')[0] ?? vkey;
      add(
        'witness',
        true,
        `见证方 ${name} 于 ${time.toISOString()} 副署了该检查点`,
        `witness ${name} cosigned the checkpoint at ${time.toISOString()}`,
        name,
      );
    } catch (e) {
      add(
        'witness',
        false,
        `见证副署无效：${(e as Error).message}`,
        `witness cosignature invalid: ${(e as Error).message}`,
        vkey,
      );
    }
  }

  // 2. The statement is the leaf at leafIndex of that tree.
  if (root !== undefined) {
    const ok = verifyInclusion({
      leafHash: leafHash(Buffer.from(statementText, 'utf8'), alg),
      index: r.log.leafIndex,
      treeSize: r.log.treeSize,
      proof: r.log.inclusionProof.map(hex),
      root,
      alg,
    });
    add(
      'inclusion',
      ok,
      ok
        ? `登记声明在日志第 ${r.log.leafIndex} 条，包含证明有效`
        : '登记声明不在已签名的日志中：包含证明无效（声明或日志被改动）',
      ok
        ? `statement is leaf ${r.log.leafIndex} of the signed log`
        : 'statement is not in the signed log: inclusion proof fails (statement or log altered)',
    );
  }

  // 3. The trusted timestamp covers exactly this statement.
  let timestampTime: string | undefined;
  const ts = verifyTimestamp(Buffer.from(r.timestamp.token, 'base64'), {
    hash: createHash('sha256').update(statementText).digest(),
    hashAlgorithm: 'sha256',
    trustedCaPem: options.trustedTsaCa ?? r.keys.tsaCa,
    ...(r.keys.tsaCert !== undefined ? { untrustedPem: r.keys.tsaCert } : {}),
  });
  if (ts.ok) {
    timestampTime = ts.genTime.toISOString();
    add(
      'timestamp',
      true,
      `可信时间戳有效：${timestampTime}（${ts.tsaName}）`,
      `trusted timestamp valid: ${timestampTime} (${ts.tsaName})`,
    );
  } else {
    add('timestamp', false, `可信时间戳无效：${ts.reason.zh}`, `trusted timestamp invalid: ${ts.reason.en}`);
  }

  // 4. The file list belongs to the statement's file tree (hashed as the signed statement says).
  checkFileList(r, r.statement.files.alg, add);

  // 5. What the verifier holds is what was registered.
  for (const held of options.files ?? []) {
    const listed = r.files.find((f) => f.path === held.path);
    if (listed === undefined) {
      add('file', false, `文件 ${held.path} 不在此登记中`, `${held.path} is not part of this registration`, held.path);
    } else if (listed.sha256 !== held.sha256 || listed.size !== held.size) {
      add(
        'file',
        false,
        `文件 ${held.path} 的内容与登记时不符（摘要不同）`,
        `${held.path} differs from the registered file (digest mismatch)`,
        held.path,
      );
    } else {
      add('file', true, `文件 ${held.path} 与登记时一致`, `${held.path} matches the registered file`, held.path);
    }
  }
  return {
    ok: checks.every((c) => c.ok),
    checks,
    ...base,
    ...(timestampTime !== undefined ? { timestampTime } : {}),
    pinned: { logKey: options.trustedLogKey !== undefined, tsaRoot: options.trustedTsaCa !== undefined },
  };
}

function checkFileList(
  r: Receipt,
  alg: LedgerHashAlgorithm,
  add: (id: CheckId, ok: boolean, zh: string, en: string, subject?: string) => boolean,
): void {
  const root = r.statement.files.root;
  const leaf = (f: ReceiptFile): Uint8Array =>
    leafHash(Buffer.from(canonicalJson({ path: f.path, sha256: f.sha256, size: f.size }), 'utf8'), alg);
  if (r.files.length === r.statement.files.count && r.files.every((f) => f.proof === undefined)) {
    const sorted = [...r.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const ok = Buffer.from(rootOf(sorted.map(leaf), alg)).toString('hex') === root;
    const bytes = r.files.reduce((n, f) => n + f.size, 0) === r.statement.files.bytes;
    add(
      'file-list',
      ok && bytes,
      ok && bytes
        ? `文件清单与登记声明的根摘要一致（${r.files.length} 个文件）`
        : '文件清单与登记声明的根摘要不符：清单被改动',
      ok && bytes
        ? `file list matches the statement's root (${r.files.length} files)`
        : "file list does not match the statement's root: the list was altered",
    );
    return;
  }
  for (const f of r.files) {
    const ok =
      f.proof !== undefined &&
      f.proof.count === r.statement.files.count &&
      verifyInclusion({
        leafHash: leaf(f),
        index: f.proof.index,
        treeSize: f.proof.count,
        proof: f.proof.path.map(hex),
        root: hex(root),
        alg,
      });
    add(
      'file-list',
      ok,
      ok ? `文件 ${f.path} 的默克尔路径有效` : `文件 ${f.path} 无法证明属于此登记`,
      ok ? `Merkle path of ${f.path} is valid` : `${f.path} cannot be proven part of this registration`,
      f.path,
    );
  }
}

function hex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'hex'));
}
