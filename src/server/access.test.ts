/**
 * Unit isolation over the whole API (issue 5, Must show): a depositor (and a
 * unit manager) of unit A asks every route about unit B's things — its
 * registrations, files, receipts, certificates, check reports, uploads,
 * submissions, tokens, annual report — and gets exactly what a thing that
 * does not exist gets: "not found", the same body but for the id. Listings
 * and search hits never show B's things.
 *
 * The table below has one entry per route. The test walks the app's own
 * route table, so a route added later fails here until someone decides, in
 * this table, how a unit may (not) reach through it.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DIALECTS, withTestDatabases } from '../../test/support/databases.js';
import { testAccount, testUnit, type TestAccount } from '../auth/test-support/accounts.js';
import { ADMIN_ROLES, authorize, createToken, type AdminRole } from '../auth/index.js';
import { Center } from '../center/index.js';
import { buildZip } from '../packages/test-support/raw-zip.js';
import { buildApp } from './app.js';
import { injectAs, type Inject } from './test-support/inject.js';

const databases = withTestDatabases();

/** Text that must never reach unit A: B's registration title, file name and submission title. */
const B_TITLE = '乙单位专用题名QX7';
const B_FILE = '乙/内部文件QX7.txt';
const B_FILE_TEXT = '乙单位的文件内容QX7';
const B_SUBMISSION = '乙单位的登记申请QX7';
const B_REPORT = '乙单位年报备注QX7';
const YEAR = new Date().getUTCFullYear();

interface World {
  readonly regA: string;
  readonly regB: string;
  readonly missingRegno: string;
  readonly unitB: number;
  readonly submissionB: number;
  readonly uploadB: string;
  readonly tokenB: number;
}

/** Who asks: A's depositor for most routes, A's unit manager for the annual reports (a depositor may not read those). */
type Asker = 'depositor' | 'manager';

/** One question about B's thing, and the same question about a thing that does not exist. */
interface Probe {
  readonly as?: Asker;
  readonly foreign: (w: World) => InjectOptions;
  readonly missing: (w: World) => InjectOptions;
  /** The id that differs between the two questions: the answers must be equal once it is masked. */
  readonly ids: (w: World) => readonly [string, string];
  /** Default 404. 403 where a unit names another unit itself: refused alike whether or not that unit exists. */
  readonly status?: number;
}

type Rule =
  /** About another unit's thing: not found, exactly as a missing one. */
  | { readonly kind: 'foreign'; readonly probes: readonly Probe[] }
  /** A listing or search: B's things never appear in what A gets. */
  | { readonly kind: 'listing'; readonly request: (w: World) => InjectOptions; readonly as?: Asker }
  /** Center staff only: refused to a unit user by role. */
  | { readonly kind: 'center'; readonly request: (w: World) => InjectOptions }
  /** The partner-center API: only a paired center's signed request gets in; a user's credentials mean nothing. */
  | { readonly kind: 'peer'; readonly request: InjectOptions }
  /** Open to anyone or about the caller alone; its answer to A still carries nothing of B's. */
  | { readonly kind: 'open'; readonly request?: (w: World) => InjectOptions; readonly as?: Asker };

const zip = (name: string, text: string) => buildZip([{ name, data: text }]);
const json = (method: InjectOptions['method'], url: string, payload: object): InjectOptions => ({
  method,
  url,
  payload,
});
const regnoProbe = (method: InjectOptions['method'], path: string, extra: Partial<InjectOptions> = {}): Probe => ({
  foreign: (w) => ({ method, url: `/api/v1/registrations/${w.regB}${path}`, ...extra }),
  missing: (w) => ({ method, url: `/api/v1/registrations/${w.missingRegno}${path}`, ...extra }),
  ids: (w) => [w.regB, w.missingRegno],
});
const idProbe = (
  method: InjectOptions['method'],
  url: (id: string) => string,
  foreignId: (w: World) => string,
  missingId: string,
  extra: Partial<InjectOptions> = {},
  as?: Asker,
): Probe => ({
  as,
  foreign: (w) => ({ method, url: url(foreignId(w)), ...extra }),
  missing: () => ({ method, url: url(missingId), ...extra }),
  ids: (w) => [foreignId(w), missingId],
});
const tus = (metadata: Record<string, string>): Partial<InjectOptions> => ({
  headers: {
    'tus-resumable': '1.0.0',
    'upload-length': '10',
    'upload-metadata': Object.entries(metadata)
      .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
      .join(','),
  },
});
const tusHeaders = { headers: { 'tus-resumable': '1.0.0' } };
const upload = { headers: { 'content-type': 'application/zip' }, payload: zip('甲/新.txt', '甲单位的新版本') };
const MISSING_UPLOAD = 'f'.repeat(32);
const MISSING_ID = '999999';

const peerJson = (url: string, payload: object): Rule => ({ kind: 'peer', request: { method: 'POST', url, payload } });

const RULES: Readonly<Record<string, Rule>> = {
  'GET /api/v1/peer/hello': { kind: 'peer', request: { url: '/api/v1/peer/hello' } },
  'POST /api/v1/peer/objects/status': peerJson('/api/v1/peer/objects/status', { objectId: 'x', paths: ['a'] }),
  'PUT /api/v1/peer/objects/content': {
    kind: 'peer',
    request: {
      method: 'PUT',
      url: '/api/v1/peer/objects/content?objectId=x&path=a&offset=0',
      headers: { 'content-type': 'application/octet-stream' },
      payload: 'bytes',
    },
  },
  'GET /api/v1/peer/objects/content': {
    kind: 'peer',
    request: { url: '/api/v1/peer/objects/content?objectId=x&path=a' },
  },
  'POST /api/v1/peer/objects/commit': peerJson('/api/v1/peer/objects/commit', {
    objectId: 'x',
    path: 'a',
    size: 1,
    sha256: '0'.repeat(64),
  }),
  'POST /api/v1/peer/objects/challenge': peerJson('/api/v1/peer/objects/challenge', {
    objectId: 'x',
    nonce: 'A'.repeat(44),
    paths: ['a'],
  }),
  'GET /api/v1/peer/objects': { kind: 'peer', request: { url: '/api/v1/peer/objects' } },
  'POST /api/v1/peer/catalog': peerJson('/api/v1/peer/catalog', { entries: [], withdrawn: [] }),
  'GET /api/v1/peer/catalog/certified-copy': {
    kind: 'peer',
    request: { url: '/api/v1/peer/catalog/certified-copy?entry=1&requester=x&purpose=%E6%9F%A5%E8%AF%81' },
  },
  'POST /api/v1/peer/objects/files': peerJson('/api/v1/peer/objects/files', { objectId: 'x' }),
  'GET /api/v1/peer/witnessed': { kind: 'peer', request: { url: '/api/v1/peer/witnessed' } },
  'POST /api/v1/peer/witness': peerJson('/api/v1/peer/witness', { checkpoint: 'x', proof: [], oldSize: 0 }),
  'GET /openapi.json': { kind: 'open' },
  // The web console's files (src/server/console.ts); its pages are answered by the not-found handler.
  'GET /assets/*': { kind: 'open' },
  'GET /favicon.svg': { kind: 'open' },
  'GET /healthz': { kind: 'open' },
  'POST /api/v1/session': { kind: 'open' },
  // First run only: the setup code is the credential (src/server/session.test.ts).
  'GET /api/v1/setup': { kind: 'open' },
  'POST /api/v1/setup': { kind: 'open' },
  'GET /api/v1/session': { kind: 'open', request: () => ({ url: '/api/v1/session' }) },
  'DELETE /api/v1/session': { kind: 'open' },
  'POST /api/v1/tokens': { kind: 'open' },
  'GET /api/v1/tokens': { kind: 'listing', request: () => ({ url: '/api/v1/tokens' }) },
  // Open entries are public; a unit's controlled entries show to that unit only (src/server/catalog.test.ts).
  'GET /api/v1/search': { kind: 'listing', request: () => ({ url: '/api/v1/search?q=%E9%80%9A%E7%9F%A5' }) },
  // A controlled entry is read by staff, its unit, or under an approved request (src/center/access-requests.test.ts).
  'GET /api/v1/catalog/entries/:id': { kind: 'open' },
  // The same rule for its file; controlled PDFs come watermarked (src/center/entry-download.test.ts).
  'GET /api/v1/catalog/entries/:id/file': { kind: 'open' },
  // Any account, for entries it may see (src/server/catalog-center.test.ts).
  'POST /api/v1/catalog/entries/:id/certified-copy': { kind: 'open' },
  'POST /api/v1/access-requests': { kind: 'open' },
  'GET /api/v1/access-requests': { kind: 'listing', request: () => ({ url: '/api/v1/access-requests' }) },
  'POST /api/v1/access-requests/:id/decision': {
    kind: 'center',
    request: () => json('POST', '/api/v1/access-requests/1/decision', { approve: true }),
  },
  'DELETE /api/v1/tokens/:id': {
    kind: 'foreign',
    probes: [
      idProbe(
        'DELETE',
        (id) => `/api/v1/tokens/${id}`,
        (w) => String(w.tokenB),
        MISSING_ID,
      ),
    ],
  },

  'GET /api/v1/registrations': {
    kind: 'listing',
    request: () => ({ url: '/api/v1/registrations?limit=1000' }),
  },
  'GET /api/v1/registrations/:regno': { kind: 'foreign', probes: [regnoProbe('GET', '')] },
  'GET /api/v1/registrations/:regno/files': { kind: 'foreign', probes: [regnoProbe('GET', '/files')] },
  'GET /api/v1/registrations/:regno/files/*': {
    kind: 'foreign',
    probes: [regnoProbe('GET', `/files/${encodeURI(B_FILE)}`)],
  },
  'GET /api/v1/registrations/:regno/bag': { kind: 'foreign', probes: [regnoProbe('GET', '/bag')] },
  'GET /api/v1/registrations/:regno/receipt': { kind: 'foreign', probes: [regnoProbe('GET', '/receipt')] },
  'GET /api/v1/registrations/:regno/replicas': { kind: 'foreign', probes: [regnoProbe('GET', '/replicas')] },
  'GET /api/v1/registrations/:regno/certificate': { kind: 'foreign', probes: [regnoProbe('GET', '/certificate')] },
  'GET /api/v1/registrations/:regno/checks': { kind: 'foreign', probes: [regnoProbe('GET', '/checks')] },
  'POST /api/v1/registrations/:regno/versions': {
    kind: 'foreign',
    probes: [regnoProbe('POST', '/versions', upload)],
  },
  'POST /api/v1/registrations': {
    kind: 'foreign',
    probes: [
      idProbe(
        'POST',
        (u) => `/api/v1/registrations?unit=${u}`,
        () => 'UB',
        'UZ',
        upload,
        undefined,
      ),
    ].map((p) => ({ ...p, status: 403 })),
  },
  // A unit imports its own catalog only; another unit's code is refused like a deposit for it.
  'POST /api/v1/catalog/import': {
    kind: 'foreign',
    probes: [
      idProbe(
        'POST',
        (u) => `/api/v1/catalog/import?unit=${u}&filename=catalog.csv`,
        () => 'UB',
        'UZ',
        { headers: { 'content-type': 'text/csv' }, payload: '档号,题名\nJ1-WS·2020-Y-0001,通知\n' },
        undefined,
      ),
    ].map((p) => ({ ...p, status: 403 })),
  },
  'POST /api/v1/checks': {
    kind: 'foreign',
    probes: [
      idProbe(
        'POST',
        (u) => `/api/v1/checks?unit=${u}`,
        () => 'UB',
        'UZ',
        upload,
      ),
    ].map((p) => ({
      ...p,
      status: 403,
    })),
  },

  'POST /api/v1/uploads': {
    kind: 'foreign',
    probes: [
      {
        foreign: (w) => ({ method: 'POST', url: '/api/v1/uploads', ...tus({ to: w.regB }) }),
        missing: (w) => ({ method: 'POST', url: '/api/v1/uploads', ...tus({ to: w.missingRegno }) }),
        ids: (w) => [w.regB, w.missingRegno],
      },
      {
        foreign: () => ({ method: 'POST', url: '/api/v1/uploads', ...tus({ unit: 'UB' }) }),
        missing: () => ({ method: 'POST', url: '/api/v1/uploads', ...tus({ unit: 'UZ' }) }),
        ids: () => ['UB', 'UZ'],
        status: 403,
      },
    ],
  },
  'OPTIONS /api/v1/uploads': { kind: 'open' },
  ...Object.fromEntries(
    (['HEAD', 'PATCH', 'DELETE'] as const).map((method) => [
      `${method} /api/v1/uploads/:id`,
      {
        kind: 'foreign',
        probes: [
          idProbe(
            method,
            (id) => `/api/v1/uploads/${id}`,
            (w) => w.uploadB,
            MISSING_UPLOAD,
            {
              headers: {
                ...tusHeaders.headers,
                ...(method === 'PATCH'
                  ? { 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }
                  : {}),
              },
              ...(method === 'PATCH' ? { payload: Buffer.from('0123456789') } : {}),
            },
          ),
        ],
      } satisfies Rule,
    ]),
  ),
  'POST /api/v1/uploads/:id/register': {
    kind: 'foreign',
    probes: [
      idProbe(
        'POST',
        (id) => `/api/v1/uploads/${id}/register`,
        (w) => w.uploadB,
        MISSING_UPLOAD,
      ),
    ],
  },

  'GET /log/checkpoint': { kind: 'open', request: () => ({ url: '/log/checkpoint' }) },
  'GET /log/proof/inclusion': { kind: 'open', request: () => ({ url: '/log/proof/inclusion?index=1&size=2' }) },
  'GET /log/proof/consistency': { kind: 'open', request: () => ({ url: '/log/proof/consistency?from=1&to=2' }) },
  // A search by content: anyone holding B's file may learn that, and when, it was registered — nothing more.
  'POST /verify': {
    kind: 'listing',
    request: () => json('POST', '/verify', { sha256: [createHash('sha256').update(B_FILE_TEXT).digest('hex')] }),
  },
  'POST /tsa': { kind: 'open' },

  'GET /api/v1/statistics': { kind: 'center', request: () => ({ url: '/api/v1/statistics' }) },
  'GET /api/v1/jobs': { kind: 'center', request: () => ({ url: '/api/v1/jobs' }) },
  'GET /api/v1/audits': { kind: 'center', request: () => ({ url: '/api/v1/audits' }) },
  'GET /api/v1/replication': { kind: 'center', request: () => ({ url: '/api/v1/replication' }) },
  'GET /api/v1/config': { kind: 'center', request: () => ({ url: '/api/v1/config' }) },
  'GET /api/v1/units': { kind: 'center', request: () => ({ url: '/api/v1/units' }) },
  'POST /api/v1/units': {
    kind: 'center',
    request: () => json('POST', '/api/v1/units', { name: '丙', creditCode: '91440300708461136T', unitType: 'agency' }),
  },
  'PUT /api/v1/units/:id/limits': {
    kind: 'center',
    request: (w) => json('PUT', `/api/v1/units/${w.unitB}/limits`, { quotaBytes: 1 }),
  },
  'GET /api/v1/users': { kind: 'center', request: () => ({ url: '/api/v1/users' }) },
  'POST /api/v1/users': { kind: 'center', request: () => json('POST', '/api/v1/users', { username: 'x1' }) },
  'PUT /api/v1/users/:id/roles/:role': {
    kind: 'center',
    request: () => ({ method: 'PUT', url: '/api/v1/users/1/roles/depositor' }),
  },
  'DELETE /api/v1/users/:id/roles/:role': {
    kind: 'center',
    request: () => ({ method: 'DELETE', url: '/api/v1/users/1/roles/depositor' }),
  },
  'PUT /api/v1/users/:id/disabled': {
    kind: 'center',
    request: () => json('PUT', '/api/v1/users/1/disabled', { disabled: true }),
  },
  'GET /api/v1/audit-log': { kind: 'center', request: () => ({ url: '/api/v1/audit-log' }) },
  'GET /api/v1/audit-log/verification': { kind: 'center', request: () => ({ url: '/api/v1/audit-log/verification' }) },
  'GET /api/v1/store/validation': { kind: 'center', request: () => ({ url: '/api/v1/store/validation' }) },

  'GET /api/v1/submissions': { kind: 'listing', request: () => ({ url: '/api/v1/submissions?limit=1000' }) },
  'POST /api/v1/submissions': {
    kind: 'open',
    request: () => json('POST', '/api/v1/submissions', { title: '甲单位的登记申请' }),
  },
  'GET /api/v1/submissions/:id': {
    kind: 'foreign',
    probes: [
      idProbe(
        'GET',
        (id) => `/api/v1/submissions/${id}`,
        (w) => String(w.submissionB),
        MISSING_ID,
      ),
    ],
  },
  'PUT /api/v1/submissions/:id/package': {
    kind: 'foreign',
    probes: [
      idProbe(
        'PUT',
        (id) => `/api/v1/submissions/${id}/package`,
        (w) => String(w.submissionB),
        MISSING_ID,
        upload,
      ),
    ],
  },
  ...Object.fromEntries(
    ['self-check', 'submit', 'withdraw'].map((step) => [
      `POST /api/v1/submissions/:id/${step}`,
      {
        kind: 'foreign',
        probes: [
          idProbe(
            'POST',
            (id) => `/api/v1/submissions/${id}/${step}`,
            (w) => String(w.submissionB),
            MISSING_ID,
          ),
        ],
      } satisfies Rule,
    ]),
  ),
  'GET /api/v1/review/queue': { kind: 'center', request: () => ({ url: '/api/v1/review/queue' }) },
  'POST /api/v1/submissions/:id/review': {
    kind: 'center',
    request: (w) => json('POST', `/api/v1/submissions/${w.submissionB}/review`, { decision: 'start' }),
  },

  'GET /api/v1/annual-reports/:year': {
    kind: 'listing',
    as: 'manager',
    request: () => ({ url: `/api/v1/annual-reports/${YEAR}` }),
  },
  'GET /api/v1/annual-reports/:year/units/:unitId': {
    kind: 'foreign',
    probes: [
      idProbe(
        'GET',
        (id) => `/api/v1/annual-reports/${YEAR}/units/${id}`,
        (w) => String(w.unitB),
        MISSING_ID,
        {},
        'manager',
      ),
    ],
  },
  'PUT /api/v1/annual-reports/:year': {
    kind: 'open',
    as: 'manager',
    request: () => json('PUT', `/api/v1/annual-reports/${YEAR}`, { form: { remarks: '甲单位' } }),
  },
  'POST /api/v1/annual-reports/:year/submit': { kind: 'open', as: 'manager' },
};

/** `id` replaced where it stands as a whole token (unit 2 is masked; the 2 in 2026 is not). */
function mask(body: string, id: string): string {
  const escaped = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return body.replace(new RegExp(`(?<![0-9A-Za-z])${escaped}(?![0-9A-Za-z])`, 'g'), '<id>');
}

/** B's things must not be in anything A is told. */
function expectNothingOfB(body: string, w: World, what: string): void {
  for (const secret of [w.regB, B_TITLE, B_FILE, B_FILE_TEXT, B_SUBMISSION, B_REPORT]) {
    expect(body.includes(secret), `${what} leaks "${secret}": ${body.slice(0, 300)}`).toBe(false);
  }
}

for (const dialect of TEST_DIALECTS) {
  describe(`unit isolation over every route on ${dialect}`, () => {
    let tmp: string;
    let center: Center;
    let app: FastifyInstance;
    let w: World;
    let asker: Record<Asker, Inject>;
    let owner: Record<'depositor' | 'operator', Inject>;
    let admins: Record<AdminRole, TestAccount>;

    beforeAll(async () => {
      tmp = await mkdtemp(join(tmpdir(), `yinji-access-${dialect}-`));
      // Units register directly here, so the versions route reaches the registration check.
      center = await Center.open({
        dataDir: join(tmp, 'data'),
        config: { database: await databases.fresh(dialect), reviewRequired: false },
      });
      app = await buildApp(center, { logger: false });
      const [unitA, unitB] = [await testUnit(center.db, 'UA'), await testUnit(center.db, 'UB')];
      const account = (username: string, roles: Parameters<typeof testAccount>[1]['roles'], unit?: typeof unitA) =>
        testAccount(center, { username, roles, unit });
      const depB: TestAccount = await account('dep-b', ['depositor'], unitB);
      asker = {
        depositor: injectAs(app, await account('dep-a', ['depositor'], unitA)),
        manager: injectAs(app, await account('mgr-a', ['unit-manager'], unitA)),
      };
      owner = {
        depositor: injectAs(app, depB),
        operator: injectAs(app, await account('op', ['operator'])),
      };
      const mgrB = injectAs(app, await account('mgr-b', ['unit-manager'], unitB));
      admins = {
        'system-admin': await account('sys', ['system-admin']),
        'security-admin': await account('sec', ['security-admin']),
        'security-auditor': await account('aud', ['security-auditor']),
      };

      const deposit = async (unit: string, title: string, name: string, text: string) => {
        const res = await owner.operator({
          method: 'POST',
          url: `/api/v1/registrations?unit=${unit}&title=${encodeURIComponent(title)}`,
          headers: { 'content-type': 'application/zip' },
          payload: zip(name, text),
        });
        expect(res.statusCode, res.body).toBe(200);
        return res.json<{ regno: string }>().regno;
      };
      const regA = await deposit('UA', '甲单位题名', '甲/文件.txt', '甲单位的文件内容');
      const regB = await deposit('UB', B_TITLE, B_FILE, B_FILE_TEXT);
      const submission = await owner.depositor(json('POST', '/api/v1/submissions', { title: B_SUBMISSION }));
      const created = await owner.depositor({ method: 'POST', url: '/api/v1/uploads', ...tus({ unit: 'UB' }) });
      expect(created.statusCode, created.body).toBe(201);
      const report = await mgrB(json('PUT', `/api/v1/annual-reports/${YEAR}`, { form: { remarks: B_REPORT } }));
      expect(report.statusCode, report.body).toBe(200);
      const extra = await createToken(center, depB.actor, { name: 'B 的另一个令牌', scopes: ['manage-own-tokens'] });
      w = {
        regA,
        regB,
        // Well-formed, the same length as B's, and not registered.
        missingRegno: regB.replace(/\d{4}$/, '9999'),
        unitB: unitB.id,
        submissionB: submission.json<{ id: number }>().id,
        uploadB: created.headers.location!.split('/').at(-1)!,
        tokenB: extra.token.id,
      };
    });

    afterAll(async () => {
      await app.close();
      await center.close();
      await rm(tmp, { recursive: true, force: true });
    });

    it('has a rule for every route, and no rule for a route that is gone', () => {
      // Fastify adds a HEAD route for every GET: it answers as its GET does (checked below).
      const routes = app.routeTable.filter(
        (r) => !(r.method === 'HEAD' && app.routeTable.some((g) => g.method === 'GET' && g.url === r.url)),
      );
      const keys = routes.map((r) => `${r.method} ${r.url}`);
      const missing = keys.filter((k) => !(k in RULES));
      expect(missing, 'routes without a rule in access.test.ts: decide how a unit may reach through them').toEqual([]);
      expect(Object.keys(RULES).filter((k) => !keys.includes(k))).toEqual([]);
      // And every route declares its access rule for the permission check, and refuses unknown query fields.
      expect(routes.filter((r) => r.access === undefined).map((r) => `${r.method} ${r.url}`)).toEqual([]);
      expect(routes.filter((r) => !r.strictQuery).map((r) => `${r.method} ${r.url}`)).toEqual([]);
    });

    it("answers A's questions about B's things exactly as about things that do not exist", async () => {
      let probed = 0;
      for (const [route, rule] of Object.entries(RULES)) {
        if (rule.kind !== 'foreign') continue;
        for (const probe of rule.probes) {
          const ask = asker[probe.as ?? 'depositor'];
          const [foreignId, missingId] = probe.ids(w);
          const foreign = await ask(probe.foreign(w));
          const missing = await ask(probe.missing(w));
          const status = probe.status ?? 404;
          expect(foreign.statusCode, `${route} about B's ${foreignId}: ${foreign.body}`).toBe(status);
          expect(missing.statusCode, `${route} about ${missingId}`).toBe(status);
          const masked = mask(foreign.body, foreignId);
          expect(masked, route).toBe(mask(missing.body, missingId));
          // Beyond echoing the id A asked about, nothing of B's.
          expectNothingOfB(masked, w, route);
          probed++;
        }
      }
      expect(probed).toBeGreaterThanOrEqual(20);
    });

    it("lets B's own people (and the center) reach the same things, so the refusals above are about A", async () => {
      for (const url of ['', '/files', '/receipt', '/checks', '/certificate', '/bag', `/files/${encodeURI(B_FILE)}`]) {
        const res = await owner.depositor({ url: `/api/v1/registrations/${w.regB}${url}` });
        expect(res.statusCode, `${url}: ${res.body.slice(0, 200)}`).toBe(200);
      }
      expect((await owner.depositor({ url: `/api/v1/submissions/${w.submissionB}` })).statusCode).toBe(200);
      expect(
        (await owner.depositor({ method: 'HEAD', url: `/api/v1/uploads/${w.uploadB}`, ...tusHeaders })).statusCode,
      ).toBe(200);
      expect((await owner.operator({ url: `/api/v1/annual-reports/${YEAR}/units/${w.unitB}` })).statusCode).toBe(200);
      // A's own registration is A's to see.
      expect((await asker.depositor({ url: `/api/v1/registrations/${w.regA}` })).statusCode).toBe(200);
    });

    it('never lists B’s things to A, in listings, search hits or anything else A may call', async () => {
      for (const [route, rule] of Object.entries(RULES)) {
        if ((rule.kind !== 'listing' && rule.kind !== 'open') || rule.request === undefined) continue;
        const res = await asker[rule.as ?? 'depositor'](rule.request(w));
        expect(res.statusCode, `${route}: ${res.body.slice(0, 200)}`).toBeLessThan(300);
        expectNothingOfB(res.body, w, route);
      }
      // Positive: the listing does show A's own registration.
      const own = await asker.depositor({ url: '/api/v1/registrations' });
      expect(own.json<{ items: { regno: string }[] }>().items.map((r) => r.regno)).toEqual([w.regA]);
    });

    it.each(ADMIN_ROLES)('refuses the %s every route outside its role, and lets it do its own work', async (role) => {
      const admin = admins[role];
      const ask = injectAs(app, admin);
      const fill = (url: string) =>
        url
          .replace(':regno', w.regA)
          .replace(':year', String(YEAR))
          .replace(':role', 'depositor')
          .replace(/:[A-Za-z]+/g, '1')
          .replace('*', 'x');
      let refused = 0;
      for (const route of app.routeTable) {
        const access = route.access;
        if (access === undefined || access === 'none' || access === 'peer' || authorize(admin.actor, access)) continue;
        const res = await ask({ method: route.method, url: fill(route.url) });
        expect(res.statusCode, `${role}: ${route.method} ${route.url} → ${res.body.slice(0, 200)}`).toBe(403);
        refused++;
      }
      expect(refused).toBeGreaterThan(25);
      // What it is for: configuration; accounts and units; the audit log.
      const own = {
        'system-admin': '/api/v1/config',
        'security-admin': '/api/v1/users',
        'security-auditor': '/api/v1/audit-log/verification',
      }[role];
      const res = await ask({ url: own });
      expect(res.statusCode, res.body).toBe(200);
      if (role === 'security-auditor') expect(res.json()).toMatchObject({ ok: true });
      // And none of them reads a record's content.
      expect((await ask({ url: `/api/v1/registrations/${w.regA}/files/${encodeURI('甲/文件.txt')}` })).statusCode).toBe(
        403,
      );
    });

    it('refuses a token scoped below the action alike for every number, so the refusal reveals nothing', async () => {
      const dep = await testAccount(center, {
        username: 'dep-a-scoped',
        roles: ['depositor'],
        unit: (await center.db.units.getByCode('UA'))!,
      });
      const { secret } = await createToken(center, dep.actor, { name: 'upload only', scopes: ['upload'] });
      const ask = injectAs(app, { ...dep, token: secret, headers: { authorization: `Bearer ${secret}` } });
      const answers = await Promise.all(
        [w.regA, w.regB, w.missingRegno].map((regno) =>
          ask({ method: 'POST', url: '/api/v1/uploads', ...tus({ to: regno }) }).then((r) => ({ regno, r })),
        ),
      );
      for (const { regno, r } of answers) {
        expect(r.statusCode, r.body).toBe(403);
        expect(mask(r.body, regno)).toBe(mask(answers[2]!.r.body, w.missingRegno));
      }
    });

    it('lets no user into the partner-center API, however privileged: only signed requests of paired centers', async () => {
      for (const [route, rule] of Object.entries(RULES)) {
        if (rule.kind !== 'peer') continue;
        for (const ask of [asker.depositor, owner.operator]) {
          const res = await ask(rule.request);
          expect(res.statusCode, `${route}: ${res.body.slice(0, 200)}`).toBe(401);
          expect(res.json<{ error: { code: string } }>().error.code).toBe('E_PEER_AUTH');
        }
      }
    });

    it('refuses center-only routes to a unit user by role', async () => {
      for (const [route, rule] of Object.entries(RULES)) {
        if (rule.kind !== 'center') continue;
        const res = await asker.depositor(rule.request(w));
        expect(res.statusCode, route).toBe(403);
        expect(res.json<{ error: { code: string } }>().error.code).toBe('E_FORBIDDEN');
        expectNothingOfB(res.body, w, route);
      }
    });
  });
}
