import { Alert, Collapse, Space, Table, Tag, Typography } from 'antd';
import type { CheckOutcome, CheckReport } from './api.js';
import { useLang } from './i18n.js';
import type { MessageId } from './messages.js';

const OUTCOME: Record<CheckOutcome, { color: string; label: MessageId }> = {
  pass: { color: 'success', label: 'checks.pass' },
  fail: { color: 'error', label: 'checks.fail' },
  warn: { color: 'warning', label: 'checks.warn' },
  'not-applicable': { color: 'default', label: 'checks.notApplicable' },
  'not-run': { color: 'default', label: 'checks.notRun' },
};
const PROPERTY: Record<1 | 2 | 3 | 4, MessageId> = {
  1: 'checks.authenticity',
  2: 'checks.integrity',
  3: 'checks.usability',
  4: 'checks.security',
};

/**
 * 四性检测报告: every item with its outcome — failures first and open, so
 * the unit sees at once what to fix — and the files each finding is about.
 */
export function CheckReportView({ report }: { report: CheckReport }) {
  const { t, lang } = useLang();
  const order: CheckOutcome[] = ['fail', 'warn', 'pass', 'not-run', 'not-applicable'];
  const items = [...report.items].sort((a, b) => order.indexOf(a.outcome) - order.indexOf(b.outcome));
  const s = report.summary;
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="check-report">
      <Alert
        type={report.blocked ? 'error' : s.warn > 0 ? 'warning' : 'success'}
        showIcon
        message={t(report.blocked ? 'checks.blocked' : 'checks.passed')}
        description={t('checks.summary', { pass: s.pass, fail: s.fail, warn: s.warn, notRun: s.notRun })}
      />
      <Table
        size="small"
        rowKey="id"
        pagination={false}
        dataSource={items}
        expandable={{
          rowExpandable: (item) => item.findings.length > 0,
          defaultExpandedRowKeys: items.filter((i) => i.outcome === 'fail').map((i) => i.id),
          expandedRowRender: (item) => (
            <Collapse
              size="small"
              ghost
              defaultActiveKey={['f']}
              items={[
                {
                  key: 'f',
                  label: t('checks.findings', { n: item.findingCount }),
                  children: (
                    <ul style={{ margin: 0 }}>
                      {item.findings.map((f, i) => (
                        <li key={i}>
                          <Typography.Text code>{f.object.ref}</Typography.Text> {f.reason[lang]}
                        </li>
                      ))}
                    </ul>
                  ),
                },
              ]}
            />
          ),
        }}
        columns={[
          { title: t('checks.item'), dataIndex: 'id', width: 110 },
          { title: t('checks.property'), key: 'p', width: 90, render: (_, item) => t(PROPERTY[item.property]) },
          { title: t('checks.what'), key: 'title', render: (_, item) => item.title[lang] },
          {
            title: t('checks.outcome'),
            key: 'o',
            width: 110,
            render: (_, item) => <Tag color={OUTCOME[item.outcome].color}>{t(OUTCOME[item.outcome].label)}</Tag>,
          },
          {
            title: t('checks.note'),
            key: 'r',
            render: (_, item) => (item.reason === undefined ? '' : item.reason[lang]),
          },
        ]}
      />
    </Space>
  );
}
