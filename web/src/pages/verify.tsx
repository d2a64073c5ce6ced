import { InboxOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Input, Progress, Space, Table, Tag, Typography, Upload } from 'antd';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, ApiError, type DigestMatch } from '../api.js';
import { digestsIn, fileSha256 } from '../hash.js';
import { useLang } from '../i18n.js';

/** POST /verify takes at most this many digests at once. */
const MAX_DIGESTS = 1000;

interface Row {
  readonly key: string;
  readonly name: string;
  readonly sha256: string;
  readonly registrations: readonly DigestMatch[];
}

/**
 * 公开核验: anyone drops files (or pastes SHA-256 digests) and learns whether
 * and when they were registered. The digest is computed here, in the
 * browser; only the digest is sent. The certificate's QR code opens this page
 * with its 登记号, version and root in the address.
 */
export function VerifyPage() {
  const { t, lang } = useLang();
  const [params] = useSearchParams();
  const [files, setFiles] = useState<File[]>([]);
  const [pasted, setPasted] = useState('');
  const [hashed, setHashed] = useState<{ done: number; total: number } | undefined>();
  const [rows, setRows] = useState<Row[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const busy = hashed !== undefined;

  const check = async (): Promise<void> => {
    setError(undefined);
    setRows(undefined);
    try {
      const named: Array<{ name: string; sha256: string }> = [];
      const total = files.reduce((n, f) => n + f.size, 0);
      let before = 0;
      setHashed({ done: 0, total });
      for (const file of files) {
        const sha256 = await fileSha256(file, (done) => setHashed({ done: before + done, total }));
        before += file.size;
        named.push({ name: file.webkitRelativePath || file.name, sha256 });
      }
      for (const sha256 of digestsIn(pasted)) named.push({ name: t('verify.pastedDigest'), sha256 });
      if (named.length === 0) {
        setError(t('verify.nothingToCheck'));
        return;
      }
      if (named.length > MAX_DIGESTS) {
        setError(t('verify.tooMany', { max: MAX_DIGESTS }));
        return;
      }
      const { results } = await api.verify([...new Set(named.map((n) => n.sha256))]);
      const found = new Map(results.map((r) => [r.sha256, r.registrations]));
      setRows(named.map((n, i) => ({ key: String(i), ...n, registrations: found.get(n.sha256) ?? [] })));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setHashed(undefined);
    }
  };

  const when = (iso: string): string => new Date(iso).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB');
  const regno = params.get('regno');

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={2}>{t('verify.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('verify.privacy')}</Typography.Paragraph>
      {regno !== null && (
        <Alert
          type="info"
          showIcon
          message={t('verify.fromCertificate', { regno, version: params.get('v') ?? '1' })}
          description={
            <Typography.Text copyable code>
              {params.get('root') ?? ''}
            </Typography.Text>
          }
        />
      )}
      <Card>
        <Space direction="vertical" style={{ width: '100%' }}>
          <Upload.Dragger
            multiple
            beforeUpload={(_file, list) => {
              setFiles((old) => [...old, ...list.filter((f) => !old.includes(f))]);
              return false;
            }}
            fileList={[]}
            disabled={busy}
            aria-label={t('verify.drop')}
          >
            <p className="ant-upload-drag-icon">
              <InboxOutlined />
            </p>
            <p className="ant-upload-text">{t('verify.drop')}</p>
            <p className="ant-upload-hint">{t('verify.dropHint')}</p>
          </Upload.Dragger>
          {files.length > 0 && (
            <Space wrap>
              {files.map((f, i) => (
                <Tag key={`${f.name}-${i}`} closable={!busy} onClose={() => setFiles(files.filter((x) => x !== f))}>
                  {f.name}
                </Tag>
              ))}
            </Space>
          )}
          <label htmlFor="verify-digests">{t('verify.pasteLabel')}</label>
          <Input.TextArea
            id="verify-digests"
            rows={2}
            value={pasted}
            onChange={(e) => setPasted(e.target.value)}
            placeholder={t('verify.pastePlaceholder')}
            disabled={busy}
          />
          {hashed !== undefined && (
            <Progress
              percent={hashed.total === 0 ? 100 : Math.floor((hashed.done / hashed.total) * 100)}
              status="active"
              aria-label={t('verify.hashing')}
            />
          )}
          <Space>
            <Button type="primary" onClick={() => void check()} loading={busy}>
              {t('verify.check')}
            </Button>
            <Button
              onClick={() => {
                setFiles([]);
                setPasted('');
                setRows(undefined);
                setError(undefined);
              }}
              disabled={busy}
            >
              {t('common.clear')}
            </Button>
          </Space>
        </Space>
      </Card>
      {error !== undefined && <Alert type="error" showIcon message={error} />}
      {rows !== undefined && (
        <Table<Row>
          rowKey="key"
          dataSource={rows}
          pagination={false}
          columns={[
            { title: t('verify.file'), dataIndex: 'name' },
            {
              title: 'SHA-256',
              dataIndex: 'sha256',
              render: (d: string) => (
                <Typography.Text code copyable={{ text: d }}>{`${d.slice(0, 16)}…`}</Typography.Text>
              ),
            },
            {
              title: t('verify.result'),
              key: 'result',
              render: (_: unknown, row) =>
                row.registrations.length === 0 ? (
                  <Tag color="error" data-testid="verify-result">
                    {t('verify.notRegistered')}
                  </Tag>
                ) : (
                  <Space direction="vertical" size={2}>
                    {row.registrations.map((r, i) => (
                      <span key={i} data-testid="verify-result">
                        <Tag color="success">{t('verify.registered')}</Tag>
                        {'regno' in r
                          ? t('verify.registeredAs', {
                              regno: r.regno,
                              version: r.version,
                              path: r.path,
                              when: when(r.registeredAt),
                            })
                          : t('verify.registeredAt', { when: when(r.registeredAt) })}
                      </span>
                    ))}
                  </Space>
                ),
            },
          ]}
        />
      )}
    </Space>
  );
}
