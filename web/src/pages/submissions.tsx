import { Alert, Empty, Space, Table, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { api, ApiError, type Page, type Submission } from '../api.js';
import { formatBytes, formatTime } from '../format.js';
import { LinkButton } from '../link-button.js';
import { useLang } from '../i18n.js';
import { SubmissionStatusTag } from '../submission-status.js';

/** How many of the newest submissions the page lists. */
const SHOWN = 200;

/** 我的登记申请: a unit's submissions with their state, the center's reasons for a return, and the 登记号 once registered. */
export function SubmissionsPage() {
  const { t, lang } = useLang();
  const [page, setPage] = useState<Page<Submission> | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    // The center lists oldest first: ask how many there are, then for the newest SHOWN.
    api
      .submissions({ limit: 1 })
      .then(({ total }) => api.submissions({ limit: SHOWN, offset: Math.max(0, total - SHOWN) }))
      .then(setPage, (e: unknown) => setError(e instanceof ApiError ? e.message : String(e)));
  }, []);
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Space style={{ justifyContent: 'space-between', width: '100%' }}>
        <Typography.Title level={2}>{t('nav.submissions')}</Typography.Title>
        <LinkButton to="/deposit" type="primary">
          {t('nav.deposit')}
        </LinkButton>
      </Space>
      {error !== undefined && <Alert type="error" showIcon message={error} />}
      <Table<Submission>
        rowKey="id"
        loading={page === undefined && error === undefined}
        dataSource={[...(page?.items ?? [])].reverse()}
        locale={{ emptyText: <Empty description={t('submissions.empty')} /> }}
        columns={[
          { title: t('review.id'), dataIndex: 'id', width: 80 },
          { title: t('deposit.form.title'), dataIndex: 'title' },
          {
            title: t('review.status'),
            key: 'status',
            width: 130,
            render: (_: unknown, row) => <SubmissionStatusTag status={row.status} />,
          },
          {
            title: t('submissions.result'),
            key: 'result',
            render: (_: unknown, row) =>
              row.regno !== null ? (
                <Link to={`/registrations/${encodeURIComponent(row.regno)}`}>{row.regno}</Link>
              ) : row.status === 'returned' ? (
                <Typography.Text type="danger">{row.reasons.join('；')}</Typography.Text>
              ) : (
                ''
              ),
          },
          {
            title: t('review.size'),
            dataIndex: 'packageBytes',
            width: 110,
            render: (v: number | null) => (v === null ? '' : formatBytes(v)),
          },
          {
            title: t('review.updated'),
            dataIndex: 'updatedAt',
            width: 180,
            render: (v: string) => formatTime(v, lang),
          },
        ]}
      />
    </Space>
  );
}
