import { DownloadOutlined, FilePdfOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Descriptions, Empty, Space, Spin, Table, Tabs, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useParams } from 'react-router';
import {
  api,
  ApiError,
  downloadUrl,
  type RegisteredFile,
  type Registration,
  type RegistrationChecks,
  type ReplicaView,
} from '../api.js';
import { CheckReportView } from '../check-report.js';
import { formatBytes, formatTime } from '../format.js';
import { useLang } from '../i18n.js';
import type { MessageId } from '../messages.js';

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
  const [checks, setChecks] = useState<RegistrationChecks | undefined>();
  const [replicas, setReplicas] = useState<ReplicaView[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    Promise.all([api.registration(regno), api.registrationFiles(regno)]).then(
      ([r, f]) => {
        setRegistration(r);
        setFiles(f.files);
      },
      (e: unknown) => setError(e instanceof ApiError ? e.message : String(e)),
    );
    // Secondary: the page is useful without them, so a failure here only leaves their panels empty.
    api.registrationChecks(regno).then(setChecks, () => undefined);
    api.registrationReplicas(regno).then(
      (r) => setReplicas(r.replicas),
      () => undefined,
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
      <Tabs
        items={[
          {
            key: 'files',
            label: t('registration.files'),
            children: (
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
            ),
          },
          {
            key: 'checks',
            label: t('registration.checks'),
            children:
              checks === undefined || checks.reports.length === 0 ? (
                <Empty description={t('review.noReport')} />
              ) : (
                <Space direction="vertical" style={{ width: '100%' }}>
                  {checks.acceptances.map((a) => (
                    <Alert
                      key={a.itemId}
                      type="info"
                      showIcon
                      message={t('registration.accepted', { item: a.itemId, agent: a.agent, reason: a.reason })}
                    />
                  ))}
                  <CheckReportView report={checks.reports.at(-1)!.report} />
                </Space>
              ),
          },
          {
            key: 'versions',
            label: t('registration.versions'),
            children: (
              <Table
                size="small"
                rowKey="version"
                pagination={false}
                dataSource={[...registration.versions]}
                columns={[
                  { title: t('registration.version'), dataIndex: 'version', width: 90 },
                  {
                    title: t('registration.created'),
                    dataIndex: 'createdAt',
                    width: 200,
                    render: (v: string) => formatTime(v, lang),
                  },
                  { title: t('registration.files'), dataIndex: 'fileCount', width: 100 },
                  {
                    title: t('review.size'),
                    dataIndex: 'byteCount',
                    width: 120,
                    render: (v: number) => formatBytes(v),
                  },
                  { title: t('deposit.form.message'), dataIndex: 'message' },
                ]}
              />
            ),
          },
          {
            key: 'replicas',
            label: t('registration.replicas'),
            children: (
              <Table<ReplicaView>
                size="small"
                rowKey="targetId"
                pagination={false}
                dataSource={replicas ?? []}
                locale={{ emptyText: <Typography.Text type="secondary">{t('dashboard.noTargets')}</Typography.Text> }}
                columns={[
                  { title: t('dashboard.target'), dataIndex: 'targetId' },
                  {
                    title: t('review.status'),
                    dataIndex: 'status',
                    width: 140,
                    render: (v: ReplicaView['status']) => (
                      <Tag color={REPLICA_COLOR[v]}>{t(`replica.${v}` as MessageId)}</Tag>
                    ),
                  },
                  { title: t('registration.version'), dataIndex: 'version', width: 90 },
                  {
                    title: t('registration.lastAudit'),
                    key: 'audit',
                    render: (_: unknown, r) =>
                      r.auditedAt == null
                        ? t('dashboard.neverAudited')
                        : `${formatTime(r.auditedAt, lang)} · ${t(r.auditOutcome === 'success' ? 'checks.pass' : 'checks.fail')}`,
                  },
                ]}
              />
            ),
          },
        ]}
      />
    </Space>
  );
}

const REPLICA_COLOR: Record<ReplicaView['status'], string> = {
  copied: 'success',
  behind: 'warning',
  pending: 'processing',
  damaged: 'error',
  'not-in-policy': 'default',
};
