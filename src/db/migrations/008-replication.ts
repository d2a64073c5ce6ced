/**
 * 008_replication: what issue 7 needs beyond the local store — the places
 * copies go (partner centers and second storage roots), the state of every
 * registration's copy at each of them, the files this center keeps for its
 * partners, the nonces of signed peer requests (replay protection), and the
 * witness side of checkpoint cosigning (what each partner's log last showed
 * us, and the cosignatures partners gave our checkpoints).
 */
import type { Kysely, Migration } from 'kysely';

export function replicationMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // A replica target: a paired center (kind 'peer') or a second storage root (kind 'storage').
      await db.schema
        .createTable('replica_targets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        // peer: its base URL; storage: a directory or s3://bucket/prefix.
        .addColumn('location', 'text', (c) => c.notNull())
        // 'none' | 'aes-256-gcm' | 'sm4' (replication/replica-cipher.ts).
        .addColumn('encryption', 'text', (c) => c.notNull())
        // peer only: its Ed25519 request-signing key (raw, base64) and its log's note verifier key.
        .addColumn('peer_key', 'text')
        .addColumn('log_key', 'text')
        .addColumn('added_at', 'text', (c) => c.notNull())
        // Removed targets are kept, so the history of what was copied where stays readable.
        .addColumn('removed_at', 'text')
        .execute();

      // The copy of a registration at a target, as of the highest version copied completely.
      await db.schema
        .createTable('replicas')
        .addColumn('regno', 'text', (c) => c.notNull())
        .addColumn('target_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        // 'complete' | 'damaged' (an audit found it differs; a repair job is queued).
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('encryption', 'text', (c) => c.notNull())
        .addColumn('files', 'integer', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .addColumn('copied_at', 'text', (c) => c.notNull())
        .addColumn('audited_at', 'text')
        .addColumn('audit_outcome', 'text')
        // JSON: the last audit's findings.
        .addColumn('detail', 'text', (c) => c.notNull().defaultTo('{}'))
        .addPrimaryKeyConstraint('replicas_pk', ['regno', 'target_id'])
        .execute();
      await db.schema.createIndex('replicas_target_idx').on('replicas').columns(['target_id', 'regno']).execute();

      // Files this center keeps for a partner (the bytes live under hostedDir); sha256 of the bytes as stored.
      await db.schema
        .createTable('hosted_files')
        .addColumn('peer_id', 'text', (c) => c.notNull())
        .addColumn('object_id', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('stored_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('hosted_files_pk', ['peer_id', 'object_id', 'path'])
        .execute();

      // Nonces of signed peer requests seen and not yet expired (RFC 9421 §7.2.2 replay).
      await db.schema
        .createTable('peer_nonces')
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('peer_nonces_pk', ['key_id', 'nonce'])
        .execute();
      await db.schema.createIndex('peer_nonces_expiry_idx').on('peer_nonces').column('expires_at').execute();

      // Witness side: per partner, the latest checkpoint of its log this center cosigned (C2SP tlog-witness).
      await db.schema
        .createTable('witness_state')
        .addColumn('peer_id', 'text', (c) => c.primaryKey())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('root_hash', 'text', (c) => c.notNull())
        .addColumn('checkpoint', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      // Log side: cosignatures partners gave this center's checkpoints.
      await db.schema
        .createTable('checkpoint_cosignatures')
        .addColumn('log_size', 'bigint', (c) => c.notNull())
        .addColumn('witness_id', 'text', (c) => c.notNull())
        .addColumn('cosignature', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('checkpoint_cosignatures_pk', ['log_size', 'witness_id'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const t of [
        'checkpoint_cosignatures',
        'witness_state',
        'peer_nonces',
        'hosted_files',
        'replicas',
        'replica_targets',
      ]) {
        await db.schema.dropTable(t).execute();
      }
    },
  };
}
