import { DownloadOutlined, FilePdfOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Descriptions, Space, Spin, Table, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useParams } from 'react-router';
import { api, ApiError, downloadUrl, type RegisteredFile, type Registration } from '../api.js';
import { formatBytes, formatTime } from '../format.js';
import { useLang } from '../i18n.js';

/**
 * 登记详情: what was registered (versions, files with sizes and SHA-256),
 * and the evidence to hand on — the certificate (PDF, with its QR code) and
 * the JSON receipt that anyone can check without Yinji.
 */
export function RegistrationPage() {
  const { t, lang } = useLang();
  const { regno = '' } = useParams();
  const [registration, setRegistration] = useState<Registration | undefined>();
  const [files, setFiles] = useState<RegisteredFile[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    Promise.all([api.registration(regno), api.registrationFiles(regno)]).then(
      ([r, f]) => {
        setRegistration(r);
        setFiles(f.files);
      },
      (e: unknown) => setError(e instanceof ApiError ? e.message : String(e)),
    );
  }, [regno]);

  if (error !== undefined) return <Alert type="error" showIcon message={error} />;
  if (registration === undefined || files === undefined) return <Spin />;
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={2}>
        {t('registration.title')} {registration.regno}
      </Typography.Title>
      <Card>
        <Descriptions column={{ xs: 1, md: 2 }} size="small">
          <Descriptions.Item label={t('deposit.form.title')}>{registration.title}</Descriptions.Item>
          <Descriptions.Item label={t('registration.version')}>{registration.headVersion}</Descriptions.Item>
          <Descriptions.Item label={t('registration.files')}>
            {t('registration.fileCount', { n: registration.fileCount, size: formatBytes(registration.byteCount) })}
          </Descriptions.Item>
          <Descriptions.Item label={t('registration.created')}>
            {formatTime(registration.createdAt, lang)}
          </Descriptions.Item>
          <Descriptions.Item label={t('registration.object')} span={2}>
            <Typography.Text code>{registration.objectId}</Typography.Text>
          </Descriptions.Item>
        </Descriptions>
        <Space style={{ marginTop: 16 }} wrap>
          <Button
            type="primary"
            icon={<DownloadOutlined />}
            href={downloadUrl('certificate', registration.regno)}
            download={`${registration.regno}.pdf`}
          >
            {t('registration.certificate')}
          </Button>
          <Button
            icon={<FilePdfOutlined />}
            href={downloadUrl('certificate', registration.regno)}
            target="_blank"
            rel="noopener"
          >
            {t('registration.preview')}
          </Button>
          <Button
            icon={<DownloadOutlined />}
            href={downloadUrl('receipt', registration.regno)}
            download={`${registration.regno}-receipt.json`}
          >
            {t('registration.receipt')}
          </Button>
        </Space>
        <Typography.Paragraph type="secondary" style={{ marginTop: 12 }}>
          {t('registration.evidenceHint')}
        </Typography.Paragraph>
      </Card>
      <Table<RegisteredFile>
        rowKey="path"
        size="small"
        dataSource={files}
        pagination={{ pageSize: 50, hideOnSinglePage: true }}
        columns={[
          { title: t('registration.path'), dataIndex: 'path' },
          { title: t('review.size'), dataIndex: 'size', width: 120, render: (v: number) => formatBytes(v) },
          {
            title: 'SHA-256',
            dataIndex: 'sha256',
            width: 220,
            render: (d: string) => (
              <Typography.Text code copyable={{ text: d }}>{`${d.slice(0, 16)}…`}</Typography.Text>
            ),
          },
        ]}
      />
    </Space>
  );
}
