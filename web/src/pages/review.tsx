import {
  Alert,
  Button,
  Card,
  Descriptions,
  Drawer,
  Empty,
  Form,
  Input,
  Space,
  Table,
  Timeline,
  Typography,
} from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router';
import { api, ApiError, type Page, type Submission, type SubmissionEvent } from '../api.js';
import { CheckReportView } from '../check-report.js';
import { formatBytes, formatTime } from '../format.js';
import { useLang } from '../i18n.js';
import { SubmissionStatusTag } from '../submission-status.js';

/**
 * 审核队列: the operators' queue of submitted deposits, oldest first. Open
 * one to read its self-check report and history, take it into review, then
 * register it or return it with reasons the unit will read. Every decision
 * is recorded by the center with who and when.
 */
export function ReviewPage() {
  const { t, lang } = useLang();
  const [queue, setQueue] = useState<Page<Submission> | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [open, setOpen] = useState<{ submission: Submission; events: SubmissionEvent[] } | undefined>();
  const [busy, setBusy] = useState(false);
  const [returning, setReturning] = useState(false);
  const [done, setDone] = useState<Submission | undefined>();

  const load = useCallback(() => {
    api
      .reviewQueue({ limit: 100 })
      .then(setQueue, (e: unknown) => setError(e instanceof ApiError ? e.message : String(e)));
  }, []);
  useEffect(load, [load]);

  const show = async (id: number): Promise<void> => {
    setReturning(false);
    setDone(undefined);
    try {
      setOpen(await api.submission(id));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  };
  const decide = async (decision: 'start' | 'approve' | 'return', reasons?: string[]): Promise<void> => {
    if (open === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      const after = await api.review(open.submission.id, decision, reasons);
      if (decision === 'start') await show(after.id);
      else {
        setDone(after);
        setOpen(undefined);
      }
      load();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  const s = open?.submission;
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={2}>{t('review.title')}</Typography.Title>
      {error !== undefined && (
        <Alert type="error" showIcon message={error} closable onClose={() => setError(undefined)} />
      )}
      {done !== undefined && (
        <Alert
          type={done.status === 'registered' ? 'success' : 'info'}
          showIcon
          data-testid="review-done"
          message={
            done.status === 'registered' && done.regno !== null ? (
              <span>
                {t('review.registered', { title: done.title })}{' '}
                <Link to={`/registrations/${encodeURIComponent(done.regno)}`}>{done.regno}</Link>
              </span>
            ) : (
              t('review.returned', { title: done.title })
            )
          }
        />
      )}
      <Table<Submission>
        rowKey="id"
        loading={queue === undefined && error === undefined}
        dataSource={[...(queue?.items ?? [])]}
        locale={{ emptyText: <Empty description={t('review.empty')} /> }}
        pagination={false}
        onRow={(row) => ({ onClick: () => void show(row.id), style: { cursor: 'pointer' } })}
        columns={[
          { title: t('review.id'), dataIndex: 'id', width: 80 },
          { title: t('deposit.form.title'), dataIndex: 'title', render: (v: string) => <a>{v}</a> },
          { title: t('review.unit'), key: 'unit', render: (_: unknown, row) => unitOf(row) },
          {
            title: t('review.status'),
            dataIndex: 'status',
            width: 120,
            render: (_: unknown, row) => <SubmissionStatusTag status={row.status} />,
          },
          {
            title: t('review.size'),
            dataIndex: 'packageBytes',
            width: 110,
            render: (v: number | null) => (v === null ? '' : formatBytes(v)),
          },
          {
            title: t('review.checks'),
            key: 'checks',
            width: 150,
            render: (_: unknown, row) =>
              row.checkReport === null
                ? ''
                : t('review.checkSummary', { fail: row.checkReport.summary.fail, warn: row.checkReport.summary.warn }),
          },
          {
            title: t('review.updated'),
            dataIndex: 'updatedAt',
            width: 180,
            render: (v: string) => formatTime(v, lang),
          },
        ]}
      />
      <Drawer
        open={s !== undefined}
        onClose={() => setOpen(undefined)}
        width={Math.min(960, window.innerWidth)}
        title={s === undefined ? '' : `${t('review.id')} ${s.id} · ${s.title}`}
        extra={
          s === undefined ? null : (
            <Space>
              {s.status === 'submitted' && (
                <Button type="primary" loading={busy} onClick={() => void decide('start')}>
                  {t('review.start')}
                </Button>
              )}
              {s.status === 'under-review' && (
                <>
                  <Button danger disabled={busy} onClick={() => setReturning(true)}>
                    {t('review.return')}
                  </Button>
                  <Button type="primary" loading={busy} onClick={() => void decide('approve')}>
                    {t('review.approve')}
                  </Button>
                </>
              )}
            </Space>
          )
        }
      >
        {s !== undefined && open !== undefined && (
          <Space direction="vertical" size="large" style={{ width: '100%' }}>
            {returning && (
              <Card size="small" title={t('review.returnTitle')}>
                <Form
                  layout="vertical"
                  onFinish={(v: { reasons: string }) =>
                    void decide(
                      'return',
                      v.reasons
                        .split('\n')
                        .map((r) => r.trim())
                        .filter((r) => r !== ''),
                    )
                  }
                >
                  <Form.Item
                    name="reasons"
                    label={t('review.reasons')}
                    rules={[{ required: true, whitespace: true, message: t('review.reasonsRequired') }]}
                  >
                    <Input.TextArea rows={4} placeholder={t('review.reasonsHint')} />
                  </Form.Item>
                  <Space>
                    <Button onClick={() => setReturning(false)}>{t('common.cancel')}</Button>
                    <Button danger type="primary" htmlType="submit" loading={busy}>
                      {t('review.returnConfirm')}
                    </Button>
                  </Space>
                </Form>
              </Card>
            )}
            <Descriptions column={2} size="small" bordered>
              <Descriptions.Item label={t('review.status')}>
                <SubmissionStatusTag status={s.status} />
              </Descriptions.Item>
              <Descriptions.Item label={t('review.unit')}>{unitOf(s)}</Descriptions.Item>
              <Descriptions.Item label={t('deposit.form.classification')}>
                {t(`classification.${s.classification}` as 'classification.open')}
              </Descriptions.Item>
              <Descriptions.Item label={t('review.size')}>
                {s.packageBytes === null ? '' : formatBytes(s.packageBytes)}
              </Descriptions.Item>
              {s.reasons.length > 0 && (
                <Descriptions.Item label={t('review.lastReasons')} span={2}>
                  {s.reasons.join('；')}
                </Descriptions.Item>
              )}
            </Descriptions>
            {s.checkReport !== null ? (
              <CheckReportView report={s.checkReport} />
            ) : (
              <Alert type="warning" showIcon message={t('review.noReport')} />
            )}
            <Card size="small" title={t('review.history')}>
              <Timeline
                items={open.events.map((e) => ({
                  children: (
                    <span>
                      {formatTime(e.at, lang)} · {e.actor} · {t(`status.${e.toStatus}` as 'status.draft')}
                      {e.note !== '' ? ` · ${e.note}` : ''}
                    </span>
                  ),
                }))}
              />
            </Card>
          </Space>
        )}
      </Drawer>
    </Space>
  );
}

const unitOf = (s: Submission): string =>
  s.unitName === null ? `#${s.unitId}` : `${s.unitName}（${s.unitCode ?? ''}）`;
