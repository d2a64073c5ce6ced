import { Alert, Button, Card, Divider, Form, Input, Result, Typography } from 'antd';
import { useState } from 'react';
import { api, ApiError } from '../api.js';
import { LinkButton } from '../link-button.js';
import { useLang } from '../i18n.js';
import type { MessageId } from '../messages.js';

const PEOPLE: ReadonlyArray<{ key: 'system' | 'security' | 'auditor'; label: MessageId }> = [
  { key: 'system', label: 'role.systemAdmin' },
  { key: 'security', label: 'role.securityAdmin' },
  { key: 'auditor', label: 'role.securityAuditor' },
];
/** src/auth/passwords.ts PASSWORD_MIN_LENGTH: the center refuses shorter ones anyway; saying so here saves a round trip. */
const MIN_PASSWORD = 12;

type Values = { code: string } & Record<string, string>;

/**
 * 首次运行：建立“三员”. A new center has no accounts; the one-time setup
 * code printed when it was first started (yinji init / yinji serve) creates
 * the system administrator, the security administrator and the security
 * auditor — three different people (等保 2.0), never a default password.
 */
export function SetupPage() {
  const { t } = useLang();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<{ system: string; security: string; auditor: string } | undefined>();

  const submit = async (v: Values): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      const person = (key: string) => ({ username: v[`${key}.username`]!.trim(), password: v[`${key}.password`]! });
      setCreated(
        await api.setup({
          code: v.code.trim(),
          system: person('system'),
          security: person('security'),
          auditor: person('auditor'),
        }),
      );
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  if (created !== undefined) {
    return (
      <Result
        status="success"
        title={t('setup.done')}
        subTitle={t('setup.doneHint', created)}
        extra={
          <LinkButton to="/sign-in" type="primary">
            {t('nav.signIn')}
          </LinkButton>
        }
      />
    );
  }
  return (
    <Card style={{ maxWidth: 640, margin: '24px auto' }}>
      <Typography.Title level={3}>{t('setup.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('setup.intro')}</Typography.Paragraph>
      {error !== undefined && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} />}
      <Form<Values> layout="vertical" onFinish={(v) => void submit(v)} requiredMark={false}>
        <Form.Item
          label={t('setup.code')}
          name="code"
          rules={[{ required: true, whitespace: true, message: t('setup.codeRequired') }]}
          extra={t('setup.codeHint')}
        >
          <Input autoComplete="off" />
        </Form.Item>
        {PEOPLE.map(({ key, label }) => (
          <div key={key}>
            <Divider titlePlacement="start">{t(label)}</Divider>
            <Form.Item
              label={t('signIn.username')}
              name={`${key}.username`}
              rules={[{ required: true, whitespace: true, message: t('signIn.usernameRequired') }]}
            >
              <Input autoComplete="off" aria-label={`${t(label)} ${t('signIn.username')}`} />
            </Form.Item>
            <Form.Item
              label={t('signIn.password')}
              name={`${key}.password`}
              rules={[{ required: true, min: MIN_PASSWORD, message: t('setup.passwordRule', { n: MIN_PASSWORD }) }]}
            >
              <Input.Password autoComplete="new-password" aria-label={`${t(label)} ${t('signIn.password')}`} />
            </Form.Item>
            <Form.Item
              label={t('setup.confirm')}
              name={`${key}.confirm`}
              dependencies={[`${key}.password`]}
              rules={[
                { required: true, message: t('setup.confirmRequired') },
                ({ getFieldValue }) => ({
                  validator: (_, value) =>
                    value === getFieldValue(`${key}.password`)
                      ? Promise.resolve()
                      : Promise.reject(new Error(t('setup.mismatch'))),
                }),
              ]}
            >
              <Input.Password autoComplete="new-password" aria-label={`${t(label)} ${t('setup.confirm')}`} />
            </Form.Item>
          </div>
        ))}
        <Button type="primary" htmlType="submit" block loading={busy}>
          {t('setup.submit')}
        </Button>
      </Form>
    </Card>
  );
}
