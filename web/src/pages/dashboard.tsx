import { Alert, Card, Col, Empty, Progress, Row, Spin, Statistic, Table, Tag, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { api, ApiError, type Statistics } from '../api.js';
import { Chart, type ChartOption } from '../chart.js';
import { formatBytes, formatTime } from '../format.js';
import { useLang } from '../i18n.js';
import type { MessageId } from '../messages.js';
import { LinkButton } from '../link-button.js';

/** Disk use above this share is a warning: the center needs room for staging and new versions. */
const DISK_WARNING = 0.85;

/**
 * 首页（中心）: what an operator or the system administrator checks first —
 * the holdings over time and by kind of unit, how many copies each
 * registration has and how the last audits went, disk use, the share of
 * units that have registered, and what waits in the review queue.
 */
export function DashboardPage() {
  const { t, lang } = useLang();
  const [stats, setStats] = useState<Statistics | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    api.statistics().then(setStats, (e: unknown) => setError(e instanceof ApiError ? e.message : String(e)));
  }, []);
  const label = (prefix: 'unitType' | 'domain' | 'classification', key: string): string =>
    key === '' ? t('dashboard.unknown') : t(`${prefix}.${key}` as MessageId);

  const charts = useMemo(() => {
    if (stats === undefined) return undefined;
    const months = stats.byMonth.map((m) => m.month);
    // The volume axis in the unit that suits the largest month (a county's first months are megabytes).
    const largest = Math.max(0, ...stats.byMonth.map((m) => m.bytes));
    const power = Math.max(0, Math.min(4, Math.floor(Math.log(Math.max(1, largest)) / Math.log(1024))));
    const unit = ['B', 'KiB', 'MiB', 'GiB', 'TiB'][power]!;
    const overTime: ChartOption = {
      tooltip: { trigger: 'axis' },
      legend: { top: 0, data: [t('dashboard.registrations'), t('dashboard.volume')] },
      grid: { left: 48, right: 64, bottom: 32, top: 56 },
      xAxis: { type: 'category', data: months },
      yAxis: [
        { type: 'value', name: t('dashboard.registrations'), minInterval: 1 },
        { type: 'value', name: unit },
      ],
      series: [
        {
          name: t('dashboard.registrations'),
          type: 'bar',
          barMaxWidth: 48,
          data: stats.byMonth.map((m) => m.registrations),
        },
        {
          name: t('dashboard.volume'),
          type: 'line',
          yAxisIndex: 1,
          data: stats.byMonth.map((m) => Math.round((m.bytes / 1024 ** power) * 10) / 10),
        },
      ],
    };
    const pie = (rows: Statistics['byUnitType'], prefix: 'unitType' | 'domain' | 'classification'): ChartOption => ({
      tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
      legend: { bottom: 0, type: 'scroll' },
      series: [
        {
          type: 'pie',
          radius: ['40%', '68%'],
          center: ['50%', '45%'],
          data: rows.map((r) => ({ name: label(prefix, r.key), value: r.registrations })),
        },
      ],
    });
    const copies: ChartOption = {
      tooltip: { trigger: 'axis' },
      grid: { left: 48, right: 16, bottom: 40, top: 24 },
      xAxis: {
        type: 'category',
        name: t('dashboard.copies'),
        nameLocation: 'middle',
        nameGap: 28,
        data: stats.copies.map((c) => String(c.copies)),
      },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        {
          type: 'bar',
          barMaxWidth: 48,
          data: stats.copies.map((c) => ({
            value: c.registrations,
            itemStyle: { color: c.copies === 0 ? '#cf1322' : c.copies === 1 ? '#faad14' : '#389e0d' },
          })),
        },
      ],
    };
    return {
      overTime,
      byType: pie(stats.byUnitType, 'unitType'),
      byDomain: pie(stats.byDomain, 'domain'),
      byClassification: pie(stats.byClassification, 'classification'),
      copies,
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- label depends on t only
  }, [stats, t]);

  if (error !== undefined) return <Alert type="error" showIcon message={error} />;
  if (stats === undefined || charts === undefined) return <Spin />;
  const total = stats.byMonth.reduce(
    (s, m) => ({
      registrations: s.registrations + m.registrations,
      files: s.files + m.files,
      bytes: s.bytes + m.bytes,
    }),
    { registrations: 0, files: 0, bytes: 0 },
  );
  const used = stats.disk === null ? undefined : 1 - stats.disk.free / stats.disk.total;
  const noCopy = stats.copies.find((c) => c.copies === 0)?.registrations ?? 0;
  const damaged = stats.replicaStates.filter((s) => s.state !== 'complete').reduce((n, s) => n + s.count, 0);

  return (
    <>
      <Typography.Title level={2}>{t('dashboard.title')}</Typography.Title>
      <Row gutter={[16, 16]}>
        <Col xs={12} md={6}>
          <Card>
            <Statistic title={t('dashboard.registrations')} value={total.registrations} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card>
            <Statistic title={t('dashboard.files')} value={total.files} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card>
            <Statistic title={t('dashboard.volume')} value={formatBytes(total.bytes)} />
          </Card>
        </Col>
        <Col xs={12} md={6}>
          <Card>
            <Statistic title={t('dashboard.awaitingReview')} value={stats.awaitingReview} />
            {stats.awaitingReview > 0 && (
              <LinkButton to="/review" type="link" size="small" style={{ paddingInline: 0 }}>
                {t('nav.review')}
              </LinkButton>
            )}
          </Card>
        </Col>
        <Col xs={24} lg={16}>
          <Card title={t('dashboard.overTime')}>
            {stats.byMonth.length === 0 ? (
              <Empty description={t('dashboard.none')} />
            ) : (
              <Chart option={charts.overTime} label={t('dashboard.overTime')} />
            )}
          </Card>
        </Col>
        <Col xs={24} lg={8}>
          <Card title={t('dashboard.progress')}>
            <Progress
              type="dashboard"
              percent={stats.units.total === 0 ? 0 : Math.round((stats.units.registered / stats.units.total) * 100)}
              aria-label={t('dashboard.progress')}
            />
            <Typography.Paragraph>
              {t('dashboard.progressText', { registered: stats.units.registered, total: stats.units.total })}
            </Typography.Paragraph>
          </Card>
        </Col>
        {(
          [
            ['dashboard.byUnitType', stats.byUnitType, charts.byType],
            ['dashboard.byDomain', stats.byDomain, charts.byDomain],
            ['dashboard.byClassification', stats.byClassification, charts.byClassification],
          ] as const
        ).map(([title, rows, option]) => (
          <Col xs={24} md={8} key={title}>
            <Card title={t(title)}>
              {rows.length === 0 ? (
                <Empty description={t('dashboard.none')} />
              ) : (
                <Chart option={option} label={t(title)} />
              )}
            </Card>
          </Col>
        ))}
        <Col xs={24} lg={12}>
          <Card title={t('dashboard.replicaHealth')}>
            {noCopy > 0 && (
              <Alert
                type="warning"
                showIcon
                style={{ marginBottom: 12 }}
                message={t('dashboard.noCopyWarning', { n: noCopy })}
              />
            )}
            {damaged > 0 && (
              <Alert
                type="error"
                showIcon
                style={{ marginBottom: 12 }}
                message={t('dashboard.damagedWarning', { n: damaged })}
              />
            )}
            <Chart option={charts.copies} label={t('dashboard.replicaHealth')} height={220} />
            <Typography.Text type="secondary">
              {stats.lastAuditAt === null
                ? t('dashboard.neverAudited')
                : t('dashboard.lastAudit', { when: formatTime(stats.lastAuditAt, lang) })}
            </Typography.Text>
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('dashboard.storage')}>
            {used === undefined || stats.disk === null ? (
              <Typography.Text type="secondary">{t('dashboard.diskUnknown')}</Typography.Text>
            ) : (
              <>
                <Progress
                  percent={Math.round(used * 100)}
                  status={used > DISK_WARNING ? 'exception' : 'normal'}
                  aria-label={t('dashboard.storage')}
                />
                <Typography.Paragraph>
                  {t('dashboard.diskText', {
                    free: formatBytes(stats.disk.free),
                    total: formatBytes(stats.disk.total),
                  })}
                </Typography.Paragraph>
                {used > DISK_WARNING && <Alert type="error" showIcon message={t('dashboard.diskWarning')} />}
              </>
            )}
            <Table
              size="small"
              style={{ marginTop: 12 }}
              rowKey="targetId"
              pagination={false}
              dataSource={[...stats.targets]}
              locale={{ emptyText: <Typography.Text type="secondary">{t('dashboard.noTargets')}</Typography.Text> }}
              columns={[
                { title: t('dashboard.target'), dataIndex: 'targetId' },
                { title: t('dashboard.copies'), dataIndex: 'copies', width: 90 },
                {
                  title: t('dashboard.damaged'),
                  dataIndex: 'damaged',
                  width: 90,
                  render: (v: number) => (v > 0 ? <Tag color="error">{v}</Tag> : v),
                },
                { title: t('review.size'), dataIndex: 'bytes', width: 110, render: (v: number) => formatBytes(v) },
              ]}
            />
          </Card>
        </Col>
      </Row>
    </>
  );
}
