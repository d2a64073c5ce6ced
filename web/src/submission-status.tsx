import { Tag } from 'antd';
import type { SubmissionStatus } from './api.js';
import { useLang } from './i18n.js';

const COLOR: Record<SubmissionStatus, string> = {
  draft: 'default',
  uploaded: 'default',
  'self-checked': 'processing',
  submitted: 'warning',
  'under-review': 'processing',
  approved: 'processing',
  registered: 'success',
  returned: 'error',
  withdrawn: 'default',
};

/** A submission's state in words (src/center/submission-states.ts SUBMISSION_STATUS_NAMES). */
export function SubmissionStatusTag({ status }: { status: SubmissionStatus }) {
  const { t } = useLang();
  return <Tag color={COLOR[status]}>{t(`status.${status}`)}</Tag>;
}
