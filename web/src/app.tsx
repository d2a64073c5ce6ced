import { LogoutOutlined, UserOutlined } from '@ant-design/icons';
import {
  Button,
  ConfigProvider,
  Dropdown,
  Layout,
  Menu,
  Result,
  Segmented,
  Space,
  Spin,
  Typography,
  App as AntApp,
} from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { lazy, Suspense, useEffect, type ComponentType, type ReactNode } from 'react';
import { BrowserRouter, Link, Route, Routes, useLocation, useNavigate } from 'react-router';
import { setApiLanguage } from './api.js';
import { LangProvider, useLang, type Lang } from './i18n.js';
import { LinkButton } from './link-button.js';
import type { MessageId } from './messages.js';
import { HomePage } from './pages/home.js';
import { SearchPage } from './pages/search.js';
import { SignInPage } from './pages/sign-in.js';
import { VerifyPage } from './pages/verify.js';
import { roleLabel } from './roles.js';
import { SessionProvider, useSession } from './session.js';

// Pages for signed-in staff and units load when first opened: the public pages (verification,
// search) stay small, and ECharts is fetched only with the dashboard.
const page = <K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K) =>
  lazy(() => load().then((m) => ({ default: m[name] })));
const DashboardPage = page(() => import('./pages/dashboard.js'), 'DashboardPage');
const DepositPage = page(() => import('./pages/deposit.js'), 'DepositPage');
const RegistrationPage = page(() => import('./pages/registration.js'), 'RegistrationPage');
const ReviewPage = page(() => import('./pages/review.js'), 'ReviewPage');
const SetupPage = page(() => import('./pages/setup.js'), 'SetupPage');
const SubmissionsPage = page(() => import('./pages/submissions.js'), 'SubmissionsPage');

/**
 * The seal red of Chinese official documents as the primary colour; secondary,
 * placeholder and status colours darker than Ant Design's defaults, which fall
 * short of WCAG 2 AA contrast (4.5:1). Tags use the status colours only
 * (success, warning, error, processing): the palette ones fail it too.
 */
const THEME = {
  token: {
    colorPrimary: '#b71c1c',
    borderRadius: 4,
    colorTextSecondary: 'rgba(0, 0, 0, 0.65)',
    colorTextDescription: 'rgba(0, 0, 0, 0.65)',
    colorTextTertiary: 'rgba(0, 0, 0, 0.62)',
    colorTextPlaceholder: 'rgba(0, 0, 0, 0.6)',
    // Status colours dark enough for their text on their own light backgrounds (tags, alerts).
    colorSuccess: '#237804',
    colorWarning: '#ad4e00',
    colorError: '#a8071a',
    colorInfo: '#0958d9',
    colorSuccessBg: '#f6ffed',
    colorWarningBg: '#fffbe6',
    colorErrorBg: '#fff2f0',
    colorInfoBg: '#e6f4ff',
    colorSuccessText: '#135200',
    colorWarningText: '#873800',
    colorErrorText: '#820014',
    colorInfoText: '#003eb3',
  },
};

export function App() {
  return (
    <LangProvider>
      <Localized />
    </LangProvider>
  );
}

function Localized() {
  const { lang, t } = useLang();
  useEffect(() => {
    setApiLanguage(lang);
    document.title = `${t('app.name')} · ${t('app.subtitle')}`;
  }, [lang, t]);
  return (
    // No space inside two-character Chinese buttons (登录, not 登 录): screen readers and tests read the word.
    <ConfigProvider locale={lang === 'zh' ? zhCN : enUS} theme={THEME} button={{ autoInsertSpace: false }}>
      <AntApp>
        <SessionProvider>
          <BrowserRouter>
            <Shell />
          </BrowserRouter>
        </SessionProvider>
      </AntApp>
    </ConfigProvider>
  );
}

function Shell() {
  const { t, lang, setLang } = useLang();
  const { account, signOut } = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const section = `/${location.pathname.split('/')[1] ?? ''}`;
  const roles = account?.roles ?? [];
  const unitUser = roles.includes('depositor') || roles.includes('unit-manager');
  const operator = roles.includes('operator');
  const showsDashboard = operator || roles.includes('system-admin');
  const link = (path: string, label: MessageId) => ({ key: path, label: <Link to={path}>{t(label)}</Link> });
  // Each account sees the pages of its work; the center checks every call again whatever the menu shows.
  const items = [
    link('/', 'nav.home'),
    ...(unitUser || operator ? [link('/deposit', 'nav.deposit')] : []),
    ...(unitUser ? [link('/submissions', 'nav.submissions')] : []),
    ...(operator ? [link('/review', 'nav.review')] : []),
    link('/verify', 'nav.verify'),
    link('/search', 'nav.search'),
  ];
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Header style={{ display: 'flex', alignItems: 'center', gap: 24, paddingInline: 24 }}>
        <Link to="/" style={{ color: '#fff', whiteSpace: 'nowrap' }}>
          <Typography.Text strong style={{ color: '#fff', fontSize: 18 }}>
            {t('app.name')}
          </Typography.Text>
          <Typography.Text style={{ color: 'rgba(255,255,255,.75)', marginLeft: 12 }} className="subtitle">
            {t('app.subtitle')}
          </Typography.Text>
        </Link>
        <Menu
          theme="dark"
          mode="horizontal"
          selectedKeys={[section]}
          items={items}
          style={{ flex: 1, minWidth: 0 }}
          aria-label={t('nav.home')}
        />
        <Space>
          <Segmented<Lang>
            aria-label={t('nav.language')}
            value={lang}
            onChange={setLang}
            options={[
              { label: '中文', value: 'zh' },
              { label: 'English', value: 'en' },
            ]}
          />
          {account === null && (
            <LinkButton to={`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`}>
              {t('nav.signIn')}
            </LinkButton>
          )}
          {account != null && (
            <Dropdown
              // Opened by a click (or Enter), not by hovering: tablets have no hover.
              trigger={['click']}
              menu={{
                items: [
                  { key: 'roles', label: account.roles.map((r) => roleLabel(r, t)).join('、'), disabled: true },
                  { type: 'divider' },
                  { key: 'out', icon: <LogoutOutlined />, label: t('nav.signOut') },
                ],
                onClick: ({ key }) => {
                  if (key === 'out') void signOut().then(() => navigate('/'));
                },
              }}
            >
              <Button icon={<UserOutlined />} data-testid="account-menu">
                {account.username}
              </Button>
            </Dropdown>
          )}
        </Space>
      </Layout.Header>
      <Layout.Content style={{ padding: '24px', maxWidth: 1200, width: '100%', margin: '0 auto' }}>
        <Suspense fallback={<Spin />}>
          <Routes>
            <Route path="/" element={showsDashboard ? <DashboardPage /> : <HomePage />} />
            <Route path="/verify" element={<VerifyPage />} />
            <Route path="/search" element={<SearchPage />} />
            <Route path="/sign-in" element={<SignInPage />} />
            <Route path="/setup" element={<SetupPage />} />
            <Route path="/deposit" element={<SignedIn page={<DepositPage />} />} />
            <Route path="/submissions" element={<SignedIn page={<SubmissionsPage />} />} />
            <Route path="/review" element={<SignedIn page={<ReviewPage />} />} />
            <Route path="/registrations/:regno" element={<SignedIn page={<RegistrationPage />} />} />
            <Route
              path="*"
              element={
                <Result
                  status="404"
                  title={t('common.notFound')}
                  extra={
                    <LinkButton to="/" type="primary">
                      {t('common.backHome')}
                    </LinkButton>
                  }
                />
              }
            />
          </Routes>
        </Suspense>
      </Layout.Content>
      <Layout.Footer style={{ textAlign: 'center' }}>
        {t('app.name')} · {t('app.subtitle')}
      </Layout.Footer>
    </Layout>
  );
}

/** A page for signed-in accounts: the public is asked to sign in and comes back here afterwards. */
function SignedIn({ page }: { page: ReactNode }) {
  const { t } = useLang();
  const { account } = useSession();
  const location = useLocation();
  if (account === undefined) return <Spin />;
  if (account !== null) return page;
  return (
    <Result
      status="403"
      title={t('common.signInFirst')}
      subTitle={t('common.signInFirstHint')}
      extra={
        <LinkButton to={`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`} type="primary">
          {t('nav.signIn')}
        </LinkButton>
      }
    />
  );
}
