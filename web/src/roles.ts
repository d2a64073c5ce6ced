import type { MessageId } from './messages.js';

/** Role names as people read them (src/auth/roles.ts ROLE_NAMES). */
const ROLE_LABEL: Readonly<Record<string, MessageId>> = {
  depositor: 'role.depositor',
  'unit-manager': 'role.unitManager',
  operator: 'role.operator',
  'system-admin': 'role.systemAdmin',
  'security-admin': 'role.securityAdmin',
  'security-auditor': 'role.securityAuditor',
};

/** The message for a role, or the role's own name for one the console does not know yet. */
export function roleLabel(role: string, t: (id: MessageId) => string): string {
  const id = ROLE_LABEL[role];
  return id === undefined ? role : t(id);
}
