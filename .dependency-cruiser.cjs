/**
 * Dependencies point one way (DESIGN.md "Building blocks"):
 * core ← digest/db/store/ledger/timestamp ← packages/checks/catalog
 *      ← replication/auth/certificate ← center ← server ← cli.
 * A folder may import only from folders at a lower level.
 */
const levels = [
  ['core'],
  ['digest', 'db', 'store', 'ledger', 'timestamp'],
  ['packages', 'checks', 'catalog'],
  ['replication', 'auth', 'certificate'],
  ['center'],
  ['server'],
  // The CLI runs the server (`yinji serve`), so it sits above it.
  ['cli'],
];
const levelOf = new Map(levels.flatMap((names, i) => names.map((n) => [n, i])));
const forbidden = [];
for (const [from, fromLevel] of levelOf) {
  const allowed = [...levelOf].filter(([to, l]) => l < fromLevel || to === from).map(([to]) => to);
  forbidden.push({
    name: `${from}-imports-only-lower-levels`,
    comment: `src/${from} may import only from: ${allowed.join(', ')}`,
    severity: 'error',
    from: { path: `^src/${from}/` },
    to: { path: '^src/([^/]+)/', pathNot: `^src/(${allowed.join('|')})/` },
  });
}
// digest may be used by store (both level 1): hashing is a leaf utility.
forbidden.forEach((rule) => {
  if (
    rule.name.startsWith('store-') ||
    rule.name.startsWith('db-') ||
    rule.name.startsWith('ledger-') ||
    rule.name.startsWith('timestamp-')
  ) {
    rule.to.pathNot = rule.to.pathNot.replace('(', '(digest|');
  }
});
// checks reads what packages unpacks (safe paths, zip and bag readers): packages is the lower of the two.
forbidden.find((rule) => rule.name.startsWith('checks-')).to.pathNot = forbidden
  .find((rule) => rule.name.startsWith('checks-'))
  .to.pathNot.replace('(', '(packages|');
// checks may use packages (one way only): the EEP reader reuses its path-safety checks on the
// names it decodes (packages/safe-path.ts). packages never imports checks; no-circular guards that.
forbidden.forEach((rule) => {
  if (rule.name.startsWith('checks-')) rule.to.pathNot = rule.to.pathNot.replace('(', '(packages|');
});
// catalog may use packages (one way only): the catalog importer reads the table files (CSV, .xlsx)
// that units send, with the same readers the checks use (packages/table). packages never imports
// catalog; no-circular guards that.
forbidden.forEach((rule) => {
  if (rule.name.startsWith('catalog-')) rule.to.pathNot = rule.to.pathNot.replace('(', '(packages|');
});
// The console talks to the center over the public HTTP API only (DESIGN.md: web/), never through src/.
forbidden.push({
  name: 'web-talks-only-to-the-api',
  comment: 'web/ may not import from src/: call the HTTP API (web/src/api.ts)',
  severity: 'error',
  from: { path: '^web/' },
  to: { path: '^src/' },
});
forbidden.push({
  name: 'no-circular',
  severity: 'error',
  from: {},
  to: { circular: true },
});
forbidden.push({
  name: 'drivers-only-at-the-edge',
  comment: 'Only db/ imports database drivers (STYLE.md: heavy dependencies live at the edge).',
  severity: 'error',
  from: { path: '^src/', pathNot: '^src/db/' },
  to: { path: 'node_modules/(better-sqlite3|pg|kysely)/' },
});
forbidden.push({
  name: 's3-sdk-only-in-store-s3',
  comment: 'Only store/s3 imports the AWS SDK (STYLE.md: heavy dependencies live at the edge).',
  severity: 'error',
  from: { path: '^src/', pathNot: '^src/store/s3/' },
  to: { path: 'node_modules/@aws-sdk/' },
});
forbidden.push({
  name: 'http-only-in-server',
  severity: 'error',
  from: { path: '^src/', pathNot: '^src/server/' },
  to: { path: 'node_modules/(fastify|@fastify)/' },
});
module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$|\\.suite\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js'] },
  },
};
