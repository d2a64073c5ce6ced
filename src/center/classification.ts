import {
  CLASSIFICATION_NAMES,
  clearanceCovers,
  isClassification,
  isStateSecret,
  type Classification,
  ForbiddenError,
  type UserActor,
} from '../auth/index.js';
import { InvalidInputError } from '../core/index.js';
import type { Center } from './center.js';

/**
 * May this material enter the center? (issue 5 item 2, DOMAIN.md §6.) State
 * secrets (秘密 and above) only when the center is accredited as a classified
 * system (check profile `classifiedSystem`); nothing above the depositor's own
 * clearance, since they could not see it once registered. Returns the
 * classification to record.
 */
export function admitClassification(center: Center, given: string | undefined, actor?: UserActor): Classification {
  const level = given ?? 'open';
  if (!isClassification(level)) {
    throw new InvalidInputError({
      zh: `密级 “${level}” 无效，应为 open（公开）、internal（内部）、secret（秘密）、confidential（机密）或 top-secret（绝密）`,
      en: `unknown classification "${level}": use open, internal, secret, confidential or top-secret`,
    });
  }
  if (isStateSecret(level) && !center.checkProfile.settings.classifiedSystem) {
    throw new ForbiddenError({
      zh: `密级为“${CLASSIFICATION_NAMES[level]}”的涉密档案不得进入非涉密系统：本中心未配置为涉密信息系统，请通过涉密渠道报送`,
      en: `${level} material must not enter a non-classified system: this center is not configured as a classified system; deposit it through a classified channel`,
    });
  }
  if (actor !== undefined && !clearanceCovers(actor.clearance, level)) {
    throw new ForbiddenError({
      zh: `您的知悉范围（${CLASSIFICATION_NAMES[actor.clearance]}）低于该材料的密级（${CLASSIFICATION_NAMES[level]}），不能报送`,
      en: `your clearance (${actor.clearance}) is below the material's classification (${level})`,
    });
  }
  return level;
}
