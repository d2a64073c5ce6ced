/**
 * Roles and classification levels (issue 5 item 2, DOMAIN.md §6).
 *
 * A user of a unit holds unit roles only; center staff hold center roles
 * only. The three administrators (三员, 等保 2.0 level 3) are separate
 * people: an account holding one of them holds no other role at all.
 */
export const UNIT_ROLES = ['depositor', 'unit-manager'] as const;
/** The three administrators (三员): system administrator, security administrator, security auditor. */
export const ADMIN_ROLES = ['system-admin', 'security-admin', 'security-auditor'] as const;
export const CENTER_ROLES = ['operator', ...ADMIN_ROLES] as const;
/** Roles stored on accounts. `public` is not one: everyone, signed in or not, has its rights. */
export const ASSIGNABLE_ROLES = [...UNIT_ROLES, ...CENTER_ROLES] as const;
export const ROLES = [...ASSIGNABLE_ROLES, 'public'] as const;

export type UnitRole = (typeof UNIT_ROLES)[number];
export type AdminRole = (typeof ADMIN_ROLES)[number];
export type CenterRole = (typeof CENTER_ROLES)[number];
export type AssignableRole = (typeof ASSIGNABLE_ROLES)[number];
export type Role = (typeof ROLES)[number];

export const ROLE_NAMES: Readonly<Record<Role, { readonly zh: string; readonly en: string }>> = {
  depositor: { zh: '报送员', en: 'depositor' },
  'unit-manager': { zh: '单位管理员', en: 'unit manager' },
  operator: { zh: '中心业务员', en: 'center operator' },
  'system-admin': { zh: '系统管理员', en: 'system administrator' },
  'security-admin': { zh: '安全管理员', en: 'security administrator' },
  'security-auditor': { zh: '安全审计员', en: 'security auditor' },
  public: { zh: '公众', en: 'public' },
};

export function isAssignableRole(value: string): value is AssignableRole {
  return (ASSIGNABLE_ROLES as readonly string[]).includes(value);
}

export function isAdminRole(role: string): role is AdminRole {
  return (ADMIN_ROLES as readonly string[]).includes(role);
}

export function isUnitRole(role: string): role is UnitRole {
  return (UNIT_ROLES as readonly string[]).includes(role);
}

/**
 * Classification (密级), lowest first: open (公开), internal (内部), and the
 * three state-secret levels of the Law on Guarding State Secrets: secret
 * (秘密), confidential (机密), top secret (绝密). Records carry one; users
 * carry a clearance on the same scale.
 */
export const CLASSIFICATIONS = ['open', 'internal', 'secret', 'confidential', 'top-secret'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

export const CLASSIFICATION_NAMES: Readonly<Record<Classification, string>> = {
  open: '公开',
  internal: '内部',
  secret: '秘密',
  confidential: '机密',
  'top-secret': '绝密',
};

export function isClassification(value: string): value is Classification {
  return (CLASSIFICATIONS as readonly string[]).includes(value);
}

/** Secret level and above: refused at deposit unless the center is configured as a classified system. */
export function isStateSecret(c: Classification): boolean {
  return CLASSIFICATIONS.indexOf(c) >= CLASSIFICATIONS.indexOf('secret');
}

/** True if `clearance` reaches `classification`. Anything unknown is treated as the highest level (fail closed). */
export function clearanceCovers(clearance: string, classification: string): boolean {
  const c = CLASSIFICATIONS.indexOf(clearance as Classification);
  const k = CLASSIFICATIONS.indexOf(classification as Classification);
  return c >= 0 && k >= 0 && c >= k;
}
