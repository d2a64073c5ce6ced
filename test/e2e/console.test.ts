/**
 * The web console in a real headless Chromium (issue 9, "Must show"), in
 * Chinese and in English: the public verification page finds a registered
 * file by the digest the browser computed and refuses a modified one; a
 * certificate's QR link opens it for that registration; the public search
 * finds open entries only, with highlights and facets; signing in shows the
 * account and a wrong password shows the center's message. Screenshots of
 * each page go to test-results/screenshots/. Real `yinji serve` (dist/).
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionAccount } from '../support/accounts.js';
import { findChromium, launchChromium, screenshot } from '../support/browser.js';
import { runYinji, serveYinji, yinjiJson } from '../support/cli.js';

/** Wait for the page to reach a state: generous, for a slow CI machine (the default is one second). */
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000 });

/** axe-core, injected into each page to check it against WCAG 2 A and AA. */
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
interface AxeViolation {
  id: string;
  impact?: string | null;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}

const PASSWORD = '中心业务员的长口令-console-e2e';
const chromiumFound = findChromium();

const CATALOG = [
  '档号,题名,责任者,年度,保管期限,开放状态',
  'J001-WS·2024-Y-BGS-0001,关于开展社会保险登记备份工作的通知,杭州市档案馆,2024,永久,开放',
  'J001-WS·2024-Y-BGS-0002,社会保险基金专项审计内部报告,杭州市审计局,2024,30年,控制',
  'J001-WS·2023-D10-BGS-0003,社会保险年度统计报表,杭州市人力社保局,2023,10年,开放',
  'J001-WS·2023-D10-BGS-0004,城乡规划调整方案,杭州市规划局,2023,10年,开放',
].join('\n');

/** What each language's pages say, as the tests look for it. */
const TEXT = {
  zh: {
    locale: 'zh-CN',
    verify: '核验',
    registered: '已登记',
    notRegistered: '未登记',
    fromCertificate: '登记号',
    search: '检索',
    results: /共 2 条结果/,
    controlled: '控制',
    signIn: '登录',
    username: '用户名',
    password: '口令',
    wrongPassword: /用户名或口令不正确/,
    role: '中心业务员',
    signOut: '退出登录',
    next: '下一步',
    send: '上传并提交',
    submitted: '已提交，等待中心审核',
    start: '受理审核',
    approve: '通过并登记',
    certificate: '下载登记证明（PDF）',
    setupStart: '用初始化码建立',
    retry: '重试',
    dashboard: '中心概况',
    checksTab: '四性检测',
    mySubmissions: '我的登记申请',
    statusSubmitted: '已提交',
    setupCode: '初始化码',
    systemAdmin: '系统管理员',
    securityAdmin: '安全管理员',
    auditor: '安全审计员',
    confirm: '再次输入口令',
    setupSubmit: '建立“三员”账号',
    setupDone: '“三员”账号已建立，初始化码已失效',
  },
  en: {
    locale: 'en-US',
    verify: 'Verify',
    registered: 'Registered',
    notRegistered: 'Not registered',
    fromCertificate: 'registration',
    search: 'Search',
    results: /^2 results/,
    controlled: 'controlled',
    signIn: 'Sign in',
    username: 'Username',
    password: 'Password',
    wrongPassword: /wrong username or password/,
    role: 'center operator',
    signOut: 'Sign out',
    next: 'Next',
    send: 'Upload and submit',
    submitted: 'Submitted for the center’s review',
    start: 'Take into review',
    approve: 'Approve and register',
    certificate: 'Download the certificate (PDF)',
    setupStart: 'Create them with the setup code',
    retry: 'Try again',
    dashboard: 'The center at a glance',
    checksTab: 'Four-properties check',
    mySubmissions: 'My submissions',
    statusSubmitted: 'submitted',
    setupCode: 'Setup code',
    systemAdmin: 'system administrator',
    securityAdmin: 'security administrator',
    auditor: 'security auditor',
    confirm: 'Repeat the password',
    setupSubmit: 'Create the three administrators',
    setupDone: 'The three administrators exist; the setup code is used up',
  },
} as const;

// A browser, a center and argon2 sign-ins beside the rest of the suite on two cores: generous time.
describe.skipIf('reason' in chromiumFound)('the web console in Chromium', { timeout: 120_000 }, () => {
  let tmp: string;
  let server: Awaited<ReturnType<typeof serveYinji>>;
  let browser: Browser;
  let registered: string;
  let regno: string;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'yinji-console-e2e-'));
    const data = join(tmp, 'data');
    const source = join(tmp, 'source');
    await mkdir(source);
    registered = join(source, '通知.txt');
    await writeFile(registered, '关于开展社会保险登记备份工作的通知：各单位于月底前报送。\n');
    await writeFile(join(source, '附件.txt'), '附件一：报送清单\n');
    regno = (await yinjiJson<{ regno: string }>(['--data', data, 'deposit', source, '--unit', '330100'])).regno;
    const csv = join(tmp, 'catalog.csv');
    await writeFile(csv, CATALOG);
    const imported = await runYinji(['--data', data, 'catalog', 'import', csv, '--unit', '330100']);
    expect(imported.code, imported.stderr).toBe(0);
    await provisionAccount(data, { username: 'op', roles: ['operator'], password: PASSWORD });
    await provisionAccount(data, { username: 'dep', roles: ['depositor'], unit: '330100', password: PASSWORD });
    server = await serveYinji(data);
    browser = await launchChromium((chromiumFound as { path: string }).path);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  for (const lang of ['zh', 'en'] as const) {
    describe(`in ${lang === 'zh' ? 'Chinese' : 'English'}`, () => {
      const text = TEXT[lang];
      let context: BrowserContext;
      let page: Page;
      const errors: string[] = [];

      beforeAll(async () => {
        context = await browser.newContext({ locale: text.locale, viewport: { width: 1280, height: 800 } });
        page = await context.newPage();
        // A script error or a refused script (content policy) is a failure of its own.
        page.on('pageerror', (e) => errors.push(e.message));
        page.on('console', (m) => {
          // Not errors: the public's session probe (401) and the connection the upload test cuts on purpose.
          if (m.type() === 'error' && !/401 \(Unauthorized\)|ERR_CONNECTION_RESET/.test(m.text()))
            errors.push(m.text());
        });
      });

      afterAll(async () => {
        await context?.close();
        expect(errors, errors.join('\n')).toEqual([]);
      });

      const url = (path: string): string => new URL(path, server.url).href;
      // Sign-ins share the center's limit of 10 a minute per address (LOGIN_RATE_LIMIT): no needless ones.
      let signedInAs: string | undefined;
      const signIn = async (p: Page, username: string): Promise<void> => {
        if (signedInAs === username) return;
        signedInAs = username;
        await p.goto(url('/sign-in'));
        await p.getByLabel(text.username).fill(username);
        await p.getByLabel(text.password).fill(PASSWORD);
        await p.getByRole('button', { name: text.signIn, exact: true }).last().click();
        await poll(() => p.getByTestId('account-menu').textContent()).toContain(username);
      };
      const signOut = async (p: Page): Promise<void> => {
        signedInAs = undefined;
        await p.getByTestId('account-menu').click();
        await p.getByText(text.signOut).click();
        await poll(() => p.getByTestId('account-menu').count()).toBe(0);
      };

      it('verifies a registered file by its digest computed in the browser, and refuses a modified one', async () => {
        await page.goto(url('/verify'));
        await page.locator('input[type=file]').setInputFiles(registered);
        await page.getByRole('button', { name: text.verify, exact: true }).click();
        const result = page.getByTestId('verify-result');
        await poll(() => result.first().textContent()).toContain(text.registered);
        // The public learns that and when, not which registration (that is for those who may see it).
        expect(await result.first().textContent()).not.toContain(regno);
        await screenshot(page, `${lang}-verify`);

        const modified = join(tmp, `modified-${lang}.txt`);
        const bytes = await readFile(registered);
        bytes[0] = bytes[0]! ^ 1;
        await writeFile(modified, bytes);
        await page.getByRole('button', { name: lang === 'zh' ? '清空' : 'Clear' }).click();
        await page.locator('input[type=file]').setInputFiles(modified);
        await page.getByRole('button', { name: text.verify, exact: true }).click();
        await poll(() => result.first().textContent()).toContain(text.notRegistered);
      });

      it('opens from a certificate’s QR link with the registration it names', async () => {
        await page.goto(url(`/verify?regno=${regno}&v=1&root=${'ab'.repeat(32)}`));
        const alert = page.getByRole('alert');
        await poll(() => alert.first().textContent()).toContain(regno);
        expect(await alert.first().textContent()).toContain(text.fromCertificate);
      });

      it('searches the open catalog with highlights and facets, never showing a controlled entry', async () => {
        await page.goto(url('/search'));
        const box = page.getByRole('searchbox').or(page.locator('input.ant-input')).first();
        await box.fill('社会保险');
        await box.press('Enter');
        const total = page.getByTestId('search-total');
        await poll(() => total.textContent()).toMatch(text.results);
        const hits = page.getByTestId('search-hit');
        expect(await hits.count()).toBe(2);
        expect(await page.locator('[data-testid=search-hit] mark').count()).toBeGreaterThan(0);
        expect(await page.content()).not.toContain('专项审计内部报告');
        await screenshot(page, `${lang}-search`);
        // A facet narrows the results, and the address keeps the search.
        await page.getByText(/^2023 \(1\)$/).click();
        await poll(() => hits.count()).toBe(1);
        expect(new URL(page.url()).searchParams.get('year')).toBe('2023');
        expect(await hits.first().textContent()).toContain('年度统计报表');
      });

      it('signs in, shows the account, and says why a wrong password fails', async () => {
        // A "next" address that only looks local (the browser drops the tab: //evil.example) is not followed.
        await page.goto(url(`/sign-in?next=${encodeURIComponent('/\t/evil.example/')}`));
        await page.getByLabel(text.username).fill('op');
        await page.getByLabel(text.password).fill('not-the-password');
        await page.getByRole('button', { name: text.signIn, exact: true }).last().click();
        // (The page also says that the three administrators are still to be created: another alert.)
        await poll(() => page.getByRole('alert').filter({ hasText: text.wrongPassword }).count()).toBe(1);
        await screenshot(page, `${lang}-sign-in`);
        await page.getByLabel(text.password).fill(PASSWORD);
        await page.getByRole('button', { name: text.signIn, exact: true }).last().click();
        const account = page.getByTestId('account-menu');
        await poll(() => account.textContent()).toContain('op');
        expect(new URL(page.url()).origin).toBe(new URL(server.url).origin);
        // An operator's home is the dashboard: figures and charts of the holdings.
        await poll(() => page.getByRole('heading', { name: text.dashboard }).count()).toBe(1);
        await poll(() => page.locator('[role=img] svg').count()).toBeGreaterThanOrEqual(4);
        await page.getByTestId('account-menu').click();
        await poll(() => page.getByText(text.role).count()).toBeGreaterThan(0);
        await page.keyboard.press('Escape');
        await screenshot(page, `${lang}-dashboard`);
        // Signed in as staff, the search shows the controlled entry too.
        await page.goto(url('/search?q=%E7%A4%BE%E4%BC%9A%E4%BF%9D%E9%99%A9'));
        await poll(() => page.getByText('专项审计内部报告').count()).toBe(1);
        await page.getByTestId('account-menu').click();
        await page.getByText(text.signOut).click();
        await poll(() => page.getByRole('link', { name: text.signIn }).count()).toBeGreaterThan(0);
      });

      it('creates the three administrators on a new center with the setup code, then signs one in', async () => {
        const fresh = await serveYinji(join(tmp, `fresh-${lang}`));
        try {
          expect(fresh.setupCode).toMatch(/\w/);
          const at = (path: string): string => new URL(path, fresh.url).href;
          await page.goto(at('/sign-in'));
          await page.getByRole('link', { name: text.setupStart }).click();
          await page.getByLabel(text.setupCode).fill(fresh.setupCode!);
          for (const [role, username] of [
            [text.systemAdmin, 'sysadmin'],
            [text.securityAdmin, 'secadmin'],
            [text.auditor, 'auditor'],
          ] as const) {
            await page.getByLabel(`${role} ${text.username}`).fill(username);
            await page.getByLabel(`${role} ${text.password}`, { exact: true }).fill(PASSWORD);
            await page.getByLabel(`${role} ${text.confirm}`).fill(PASSWORD);
          }
          await screenshot(page, `${lang}-setup`);
          await page.getByRole('button', { name: text.setupSubmit }).click();
          await poll(() => page.getByText(text.setupDone).count()).toBe(1);
          await page.getByRole('link', { name: text.signIn }).last().click();
          await page.getByLabel(text.username).fill('secadmin');
          await page.getByLabel(text.password).fill(PASSWORD);
          await page.getByRole('button', { name: text.signIn, exact: true }).last().click();
          await poll(() => page.getByTestId('account-menu').textContent()).toContain('secadmin');
          // Done once: the sign-in page no longer offers the setup.
          await signOut(page);
          await page.goto(at('/sign-in'));
          await page.getByLabel(text.username).waitFor();
          expect(await page.getByRole('link', { name: text.setupStart }).count()).toBe(0);
        } finally {
          await fresh.stop();
        }
      });

      it('continues a cut upload from the center’s offset instead of starting again', async () => {
        await signIn(page, 'dep');
        await page.goto(url('/deposit'));
        await page.getByLabel(lang === 'zh' ? '题名' : 'Title').fill(`扫描件 ${lang}`);
        await page.getByRole('button', { name: text.next }).click();
        const big = join(tmp, `scan-${lang}.bin`);
        await writeFile(big, randomBytes(20 * 1024 * 1024));
        await page.locator('input[type=file]').setInputFiles(big);
        // The connection drops during the second chunk (8 MiB in); the page asks the center where it stands.
        const offsets: number[] = [];
        await page.route('**/api/v1/uploads/*', async (route) => {
          const request = route.request();
          if (request.method() === 'PATCH') {
            const offset = Number(request.headers()['upload-offset']);
            offsets.push(offset);
            if (offset > 0 && offsets.filter((o) => o > 0).length === 1) return route.abort('connectionreset');
          }
          return route.continue();
        });

        await page.getByRole('button', { name: text.send }).click();
        await poll(() => page.getByText(text.submitted).count()).toBeGreaterThan(0);
        await page.unroute('**/api/v1/uploads/*');
        const chunk = 8 * 1024 * 1024;
        expect(offsets).toEqual([0, chunk, chunk, 2 * chunk]);
      });

      it('asks the center for a lost answer instead of registering the same records twice', async () => {
        const title = `回执丢失 ${lang}`;
        await signIn(page, 'dep');
        await page.goto(url('/deposit'));
        await page.getByLabel(lang === 'zh' ? '题名' : 'Title').fill(title);
        await page.getByRole('button', { name: text.next }).click();
        const file = join(tmp, `lost-${lang}.txt`);
        await writeFile(file, `${lang} 答复丢失的报送\n`);
        await page.locator('input[type=file]').setInputFiles(file);
        // The center registers the upload, but its answer never reaches the page.
        let lost = 0;
        await page.route('**/api/v1/uploads/*/register', async (route) => {
          if (lost++ > 0) return route.continue();
          await route.fetch();
          return route.abort('connectionreset');
        });
        await page.getByRole('button', { name: text.send }).click();
        await page.getByRole('button', { name: text.retry }).click();
        await poll(() => page.getByText(text.submitted).count()).toBeGreaterThan(0);
        await page.unroute('**/api/v1/uploads/*/register');
        await page.goto(url('/submissions'));
        await poll(() => page.getByRole('row').filter({ hasText: title }).count()).toBe(1);
      });

      it('deposits through the wizard, is approved in the review queue, and the certificate downloads', async () => {
        const title = lang === 'zh' ? '二〇二五年度文书档案' : '2025 administrative records';
        await signIn(page, 'dep');
        await page.goto(url('/deposit'));
        await page.getByLabel(lang === 'zh' ? '题名' : 'Title').fill(title);
        await page.getByRole('button', { name: text.next }).click();
        const files = [join(tmp, 'wizard', '会议纪要.txt'), join(tmp, 'wizard', 'report.txt')];
        await mkdir(join(tmp, 'wizard'), { recursive: true });
        await writeFile(files[0]!, `${lang} 二〇二五年第一次办公会议纪要\n`);
        await writeFile(files[1]!, `${lang} annual report\n`);
        await page.locator('input[type=file]').setInputFiles(files);
        await poll(() => page.getByTestId('deposit-chosen').textContent()).toMatch(/2/);
        await screenshot(page, `${lang}-deposit`);
        await page.getByRole('button', { name: text.send }).click();
        await poll(() => page.getByText(text.submitted).count()).toBeGreaterThan(0);
        expect(await page.getByTestId('check-report').count()).toBe(1);
        await screenshot(page, `${lang}-deposit-submitted`);
        // The unit follows it in its list of submissions.
        await page.getByRole('link', { name: text.mySubmissions }).first().click();
        await poll(() => page.getByRole('row').filter({ hasText: title }).textContent()).toContain(
          text.statusSubmitted,
        );
        await signOut(page);

        await signIn(page, 'op');
        await page.goto(url('/review'));
        await page.getByText(title).click();
        await page.getByRole('button', { name: text.start }).click();
        await poll(() => page.getByRole('button', { name: text.approve }).count()).toBe(1);
        await screenshot(page, `${lang}-review`);
        await page.getByRole('button', { name: text.approve }).click();
        const done = page.getByTestId('review-done');
        await poll(() => done.count()).toBe(1);
        await done.getByRole('link').click();
        await poll(() => page.getByRole('link', { name: text.certificate }).count()).toBe(1);
        expect(await page.getByText('会议纪要.txt').count()).toBe(1);
        await screenshot(page, `${lang}-registration`);
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.getByRole('link', { name: text.certificate }).click(),
        ]);
        const pdf = await readFile(await download.path());
        expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
        // The registration keeps the check report it was registered with.
        await page.getByRole('tab', { name: text.checksTab }).click();
        await poll(() => page.getByTestId('check-report').count()).toBe(1);
        await signOut(page);
      });

      it('meets WCAG 2 A and AA (axe-core) on every page, fits a tablet, and signs in by keyboard alone', async () => {
        // Its own browser context: axe is injected as a script, which the console's content policy
        // rightly refuses (the other tests run under it), so this one context bypasses it.
        const quality = await browser.newContext({
          locale: text.locale,
          viewport: { width: 1280, height: 800 },
          bypassCSP: true,
        });
        const qp = await quality.newPage();
        const check = async (path: string): Promise<void> => {
          await qp.goto(url(path));
          await qp.waitForLoadState('networkidle');
          await qp.addScriptTag({ path: AXE });
          const violations = await qp.evaluate(async () => {
            const { axe } = globalThis as unknown as {
              axe: { run(options: object): Promise<{ violations: AxeViolation[] }> };
            };
            const result = await axe.run({ runOnly: ['wcag2a', 'wcag2aa'] });
            return result.violations
              .filter((v) => v.impact === 'critical' || v.impact === 'serious')
              .map(
                (v) => `${v.id}: ${v.nodes.map((n) => `${n.target.join(' ')} (${n.failureSummary ?? ''})`).join(', ')}`,
              );
          });
          expect(violations, path).toEqual([]);
          // A tablet in portrait: nothing wider than the screen.
          await qp.setViewportSize({ width: 768, height: 1024 });
          // (The menu folds its items into "…" once it has measured the narrower header.)
          const overflow = () =>
            qp.evaluate(() => {
              const g = globalThis as unknown as {
                innerWidth: number;
                document: { documentElement: { scrollWidth: number } };
              };
              return g.document.documentElement.scrollWidth - g.innerWidth;
            });
          await expect.poll(overflow, { message: `${path} at 768 px`, timeout: 5_000 }).toBeLessThanOrEqual(0);
          await qp.setViewportSize({ width: 1280, height: 800 });
        };
        try {
          for (const path of ['/', '/verify', `/search?q=${encodeURIComponent('社会保险')}`, '/sign-in', '/setup']) {
            await check(path);
          }
          // Keyboard only: the username field has focus, Tab to the password, Enter to sign in.
          await qp.goto(url('/sign-in'));
          await qp.getByLabel(text.username).waitFor();
          await qp.keyboard.type('op');
          await qp.keyboard.press('Tab');
          await qp.keyboard.type(PASSWORD);
          await qp.keyboard.press('Enter');
          await poll(() => qp.getByTestId('account-menu').textContent()).toContain('op');
          for (const path of ['/', '/deposit', '/review', `/registrations/${regno}`]) await check(path);
          await qp.setViewportSize({ width: 768, height: 1024 });
          await qp.goto(url('/'));
          await poll(() => qp.locator('[role=img] svg').count()).toBeGreaterThanOrEqual(4);
          await screenshot(qp, `${lang}-dashboard-tablet`);
        } finally {
          await quality.close();
        }
      });
    });
  }
});
