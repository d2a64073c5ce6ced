import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { api, ApiError } from '../api.js';
import { LinkButton } from '../link-button.js';
import { useLang } from '../i18n.js';
import { useSession } from '../session.js';

/** 登录: a browser session (httpOnly cookie + CSRF token); wrong passwords are counted and audited by the center. */
export function SignInPage() {
  const { t } = useLang();
  const { signIn } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [setupNeeded, setSetupNeeded] = useState(false);
  useEffect(() => {
    api.setupNeeded().then(
      (r) => setSetupNeeded(r.needed),
      () => setSetupNeeded(false),
    );
  }, []);

  const submit = async (values: { username: string; password: string }): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await signIn(values.username.trim(), values.password);
      void navigate(sameSitePath(params.get('next')));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card style={{ maxWidth: 400, margin: '48px auto' }}>
      <Typography.Title level={3}>{t('signIn.title')}</Typography.Title>
      {setupNeeded && (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 16 }}
          message={t('setup.needed')}
          action={
            <LinkButton to="/setup" size="small" type="primary">
              {t('setup.start')}
            </LinkButton>
          }
        />
      )}
      {error !== undefined && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} />}
      <Form
        layout="vertical"
        onFinish={(v: { username: string; password: string }) => void submit(v)}
        requiredMark={false}
      >
        <Form.Item
          label={t('signIn.username')}
          name="username"
          rules={[{ required: true, whitespace: true, message: t('signIn.usernameRequired') }]}
        >
          <Input autoComplete="username" autoFocus />
        </Form.Item>
        <Form.Item
          label={t('signIn.password')}
          name="password"
          rules={[{ required: true, message: t('signIn.passwordRequired') }]}
        >
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={busy}>
          {t('signIn.submit')}
        </Button>
      </Form>
      <Typography.Paragraph type="secondary" style={{ marginTop: 16 }}>
        {t('signIn.help')}
      </Typography.Paragraph>
    </Card>
  );
}

/**
 * Where to go after signing in: a path on this site only. The address is
 * resolved as the browser would (which drops tabs and newlines, so
 * "/\t/evil.example" is another site) and refused unless it stays here —
 * anything else would be an open redirect.
 */
function sameSitePath(next: string | null): string {
  if (next === null) return '/';
  const url = new URL(next, window.location.origin);
  return url.origin === window.location.origin ? `${url.pathname}${url.search}${url.hash}` : '/';
}
