import { FileZipOutlined, FolderOpenOutlined, InboxOutlined, UploadOutlined } from '@ant-design/icons';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import {
  Alert,
  Button,
  Card,
  Form,
  Input,
  Progress,
  Radio,
  Result,
  Select,
  Space,
  Steps,
  Typography,
  Upload,
} from 'antd';
import { useState } from 'react';
import { api, ApiError, type CheckReport, type UploadOutcome } from '../api.js';
import { CheckReportView } from '../check-report.js';
import { formatBytes } from '../format.js';
import { LinkButton } from '../link-button.js';
import { useLang } from '../i18n.js';
import { useSession } from '../session.js';
import { tarBlob } from '../tar.js';
import { forgetUpload, keptUpload, resumableUpload } from '../upload.js';

type Source = 'files' | 'folder' | 'package';
interface FormValues {
  title: string;
  classification?: string;
  message?: string;
  unit?: string;
}
interface Chosen {
  readonly path: string;
  readonly file: File;
}

const CLASSIFICATIONS = ['open', 'internal', 'secret', 'confidential', 'top-secret'] as const;

/**
 * 报送登记: a unit's deposit in three steps — the registration form, the
 * records (files, a folder or a package), then a resumable upload with a
 * progress bar, after which the center runs the four-properties self-check
 * and, where it reviews deposits, puts the submission in its review queue.
 * Files and folders travel as one tar package built in the browser.
 */
export function DepositPage() {
  const { t } = useLang();
  const { account } = useSession();
  const [step, setStep] = useState(0);
  const [form] = Form.useForm<FormValues>();
  const [values, setValues] = useState<FormValues | undefined>();
  const [source, setSource] = useState<Source>('files');
  const [chosen, setChosen] = useState<Chosen[]>([]);
  const [progress, setProgress] = useState<{ sent: number; total: number } | undefined>();
  const [outcome, setOutcome] = useState<UploadOutcome | undefined>();
  const [failure, setFailure] = useState<{ message: string; refused: boolean; report?: CheckReport } | undefined>();
  const staff = account?.unitId === null;
  const total = chosen.reduce((n, c) => n + c.file.size, 0);

  const add = (file: File): false => {
    const path = source === 'folder' && file.webkitRelativePath !== '' ? file.webkitRelativePath : file.name;
    setChosen((old) =>
      source === 'package' ? [{ path, file }] : [...old.filter((c) => c.path !== path), { path, file }],
    );
    return false;
  };

  const send = async (): Promise<void> => {
    if (values === undefined || chosen.length === 0) return;
    setFailure(undefined);
    setStep(2);
    const blob =
      source === 'package'
        ? chosen[0]!.file
        : tarBlob(chosen.map((c) => ({ path: c.path, file: c.file, mtime: c.file.lastModified / 1000 })));
    const filename = source === 'package' ? chosen[0]!.path : `${values.title}.tar`;
    // The same files with the same form continue an earlier upload (after a cut, a reload, a crash).
    const key = bytesToHex(
      sha256(
        utf8ToBytes(JSON.stringify([values, source, chosen.map((c) => [c.path, c.file.size, c.file.lastModified])])),
      ),
    ).slice(0, 32);
    try {
      // An earlier try may have sent everything and lost only the center's answer: ask for that
      // answer (the center keeps it) instead of sending and registering the same records twice.
      const kept = keptUpload(key);
      if (kept !== undefined) {
        const earlier = await api.registerUpload(kept).catch((e: unknown) => {
          // Not complete yet (it resumes below) or no longer there (it starts again below).
          if (e instanceof ApiError && (e.status === 404 || e.code === 'E_UPLOAD_INCOMPLETE')) return undefined;
          throw e;
        });
        if (earlier !== undefined) {
          forgetUpload(key);
          setOutcome(earlier);
          return;
        }
      }
      const id = await resumableUpload(blob, {
        key,
        metadata: {
          title: values.title,
          filename,
          ...(values.classification ? { classification: values.classification } : {}),
          ...(values.message ? { message: values.message } : {}),
          ...(staff && values.unit ? { unit: values.unit } : {}),
        },
        onProgress: (sent, size) => setProgress({ sent, total: size }),
      });
      setOutcome(await api.registerUpload(id));
      forgetUpload(key);
    } catch (e) {
      // A refusal (failed checks, a quota, bad input) comes again for the same records: the center
      // dropped the upload, and so does the page. Anything else (network, a restart) can resume.
      const refused = e instanceof ApiError && e.status >= 400 && e.status < 500 && e.code !== 'E_UPLOAD_INCOMPLETE';
      if (refused) forgetUpload(key);
      setFailure({
        message: e instanceof ApiError ? e.message : String(e),
        refused,
        ...(e instanceof ApiError && e.code === 'E_CHECKS_FAILED'
          ? { report: (e.details as { report?: CheckReport }).report }
          : {}),
      });
    }
  };

  const restart = (): void => {
    setStep(0);
    setChosen([]);
    setProgress(undefined);
    setOutcome(undefined);
    setFailure(undefined);
    form.resetFields();
  };

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={2}>{t('deposit.title')}</Typography.Title>
      <Steps
        current={step}
        items={[
          { title: t('deposit.step.form') },
          { title: t('deposit.step.files') },
          { title: t('deposit.step.send') },
        ]}
      />
      {step === 0 && (
        <Card>
          <Form<FormValues>
            form={form}
            layout="vertical"
            initialValues={values}
            onFinish={(v) => {
              setValues(v);
              setStep(1);
            }}
            style={{ maxWidth: 640 }}
          >
            <Form.Item
              label={t('deposit.form.title')}
              name="title"
              rules={[{ required: true, whitespace: true, message: t('deposit.form.titleRequired') }]}
              extra={t('deposit.form.titleHint')}
            >
              <Input maxLength={500} />
            </Form.Item>
            {staff && (
              <Form.Item
                label={t('deposit.form.unit')}
                name="unit"
                rules={[{ required: true, whitespace: true, message: t('deposit.form.unitRequired') }]}
              >
                <Input maxLength={64} />
              </Form.Item>
            )}
            <Form.Item label={t('deposit.form.classification')} name="classification">
              <Select
                allowClear
                placeholder={t('deposit.form.classificationDefault')}
                options={CLASSIFICATIONS.map((c) => ({ value: c, label: t(`classification.${c}`) }))}
              />
            </Form.Item>
            <Form.Item label={t('deposit.form.message')} name="message">
              <Input.TextArea rows={3} maxLength={2000} />
            </Form.Item>
            <Button type="primary" htmlType="submit">
              {t('deposit.next')}
            </Button>
          </Form>
        </Card>
      )}
      {step === 1 && (
        <Card>
          <Space direction="vertical" style={{ width: '100%' }}>
            <Radio.Group
              value={source}
              onChange={(e) => {
                setSource(e.target.value as Source);
                setChosen([]);
              }}
              optionType="button"
              options={[
                {
                  value: 'files',
                  label: (
                    <>
                      <UploadOutlined /> {t('deposit.source.files')}
                    </>
                  ),
                },
                {
                  value: 'folder',
                  label: (
                    <>
                      <FolderOpenOutlined /> {t('deposit.source.folder')}
                    </>
                  ),
                },
                {
                  value: 'package',
                  label: (
                    <>
                      <FileZipOutlined /> {t('deposit.source.package')}
                    </>
                  ),
                },
              ]}
            />
            <Upload.Dragger
              key={source}
              multiple={source !== 'package'}
              directory={source === 'folder'}
              accept={source === 'package' ? '.zip,.tar,.tgz,.tar.gz' : undefined}
              beforeUpload={add}
              fileList={[]}
              aria-label={t(`deposit.drop.${source}`)}
            >
              <p className="ant-upload-drag-icon">
                <InboxOutlined />
              </p>
              <p className="ant-upload-text">{t(`deposit.drop.${source}`)}</p>
              <p className="ant-upload-hint">{t('deposit.dropHint')}</p>
            </Upload.Dragger>
            {chosen.length > 0 && (
              <Typography.Paragraph data-testid="deposit-chosen">
                {t('deposit.chosen', { n: chosen.length, size: formatBytes(total) })}
              </Typography.Paragraph>
            )}
            <Space>
              <Button onClick={() => setStep(0)}>{t('deposit.back')}</Button>
              <Button type="primary" disabled={chosen.length === 0} onClick={() => void send()}>
                {t('deposit.send')}
              </Button>
            </Space>
          </Space>
        </Card>
      )}
      {step === 2 && (
        <Card>
          <Space direction="vertical" style={{ width: '100%' }}>
            {progress !== undefined && outcome === undefined && failure === undefined && (
              <>
                <Typography.Text>
                  {progress.sent < progress.total
                    ? t('deposit.uploading', { sent: formatBytes(progress.sent), total: formatBytes(progress.total) })
                    : t('deposit.checking')}
                </Typography.Text>
                <Progress
                  percent={progress.total === 0 ? 100 : Math.floor((progress.sent / progress.total) * 100)}
                  status="active"
                  aria-label={t('deposit.step.send')}
                />
              </>
            )}
            {outcome !== undefined && 'submission' in outcome && (
              <Result
                status="success"
                title={t('deposit.submitted')}
                subTitle={t('deposit.submittedHint', { id: outcome.submission.id })}
                extra={[
                  <LinkButton key="list" to="/submissions" type="primary">
                    {t('nav.submissions')}
                  </LinkButton>,
                  <Button key="again" onClick={restart}>
                    {t('deposit.again')}
                  </Button>,
                ]}
              />
            )}
            {outcome !== undefined && 'regno' in outcome && (
              <Result
                status="success"
                title={t('deposit.registered', { regno: outcome.regno })}
                extra={[
                  <LinkButton key="reg" to={`/registrations/${encodeURIComponent(outcome.regno)}`} type="primary">
                    {t('deposit.openRegistration')}
                  </LinkButton>,
                  <Button key="again" onClick={restart}>
                    {t('deposit.again')}
                  </Button>,
                ]}
              />
            )}
            {outcome !== undefined && outcome.checks != null && <CheckReportView report={outcome.checks} />}
            {failure !== undefined && (
              <>
                <Alert
                  type="error"
                  showIcon
                  message={failure.message}
                  description={t(failure.refused ? 'deposit.refusedHint' : 'deposit.failedHint')}
                />
                {failure.report !== undefined && <CheckReportView report={failure.report} />}
                <Space>
                  {!failure.refused && (
                    <Button type="primary" onClick={() => void send()}>
                      {t('deposit.retry')}
                    </Button>
                  )}
                  <Button type={failure.refused ? 'primary' : 'default'} onClick={() => setStep(1)}>
                    {t('deposit.back')}
                  </Button>
                </Space>
              </>
            )}
          </Space>
        </Card>
      )}
    </Space>
  );
}
