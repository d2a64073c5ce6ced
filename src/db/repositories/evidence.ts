import { NotFoundError } from '../../core/index.js';
import { guarded } from '../db-errors.js';
import type { RepoContext } from './context.js';

/** What makes a registration version evidence: its log leaf and its trusted timestamp. */
export interface Evidence {
  readonly regno: string;
  readonly version: number;
  readonly leafIndex: number;
  /** The canonical JSON statement appended to the log (RFC 8785). */
  readonly statement: string;
  /** RFC 3161 token (DER) over the statement's hash. */
  readonly timestampToken: Uint8Array;
}

export interface EvidenceRepository {
  put(evidence: Evidence): Promise<void>;
  get(regno: string, version: number): Promise<Evidence | undefined>;
}

export function evidenceRepository(ctx: RepoContext): EvidenceRepository {
  const registrationId = async (regno: string): Promise<number> => {
    const row = await ctx.db.selectFrom('registrations').select('id').where('regno', '=', regno).executeTakeFirst();
    if (row === undefined) {
      throw new NotFoundError({ zh: `登记号 ${regno} 不存在`, en: `registration ${regno} does not exist` });
    }
    return Number(row.id);
  };
  return {
    put: (e) =>
      guarded({ zh: `保存 ${e.regno} 的证据`, en: `store evidence of ${e.regno}` }, async () => {
        await ctx.db
          .insertInto('registration_evidence')
          .values({
            registration_id: await registrationId(e.regno),
            version: e.version,
            leaf_index: e.leafIndex,
            statement: e.statement,
            timestamp_token: Buffer.from(e.timestampToken).toString('base64'),
          })
          .execute();
      }),
    get: (regno, version) =>
      guarded({ zh: `读取 ${regno} 的证据`, en: `read evidence of ${regno}` }, async () => {
        const row = await ctx.db
          .selectFrom('registration_evidence')
          .innerJoin('registrations', 'registrations.id', 'registration_evidence.registration_id')
          .select(['registration_evidence.version', 'leaf_index', 'statement', 'timestamp_token'])
          .where('registrations.regno', '=', regno)
          .where('registration_evidence.version', '=', version)
          .executeTakeFirst();
        return (
          row && {
            regno,
            version: Number(row.version),
            leafIndex: Number(row.leaf_index),
            statement: row.statement,
            timestampToken: new Uint8Array(Buffer.from(row.timestamp_token, 'base64')),
          }
        );
      }),
  };
}
