import type { Command } from 'commander';
import { bootstrapCenter } from '../../center/index.js';
import { InvalidInputError } from '../../core/index.js';
import { printJson, say, type GlobalOptions } from '../output.js';
import { withCenter } from './with-center.js';

interface BootstrapFlags {
  code: string;
  system: string;
  security: string;
  auditor: string;
}

/** Passwords come from the environment, never the command line (which other users and the shell history see). */
const PASSWORD_VARIABLES = {
  system: 'YINJI_SYSTEM_ADMIN_PASSWORD',
  security: 'YINJI_SECURITY_ADMIN_PASSWORD',
  auditor: 'YINJI_AUDITOR_PASSWORD',
} as const;

function passwordFrom(variable: string): string {
  const value = process.env[variable];
  if (value === undefined || value === '') {
    throw new InvalidInputError({
      zh: `请在环境变量 ${variable} 中给出密码（不要写在命令行上）`,
      en: `give the password in the environment variable ${variable} (not on the command line)`,
    });
  }
  return value;
}

export function registerAdmin(program: Command, global: () => GlobalOptions): void {
  const admin = program.command('admin').description('中心管理 / center administration');
  admin
    .command('bootstrap')
    .description(
      '用 yinji init 给出的一次性初始化码建立“三员”账号 / create the three administrators with the setup code from yinji init',
    )
    .requiredOption('--code <code>', '初始化码 / setup code')
    .requiredOption('--system <username>', '系统管理员账号 / system administrator')
    .requiredOption('--security <username>', '安全管理员账号 / security administrator')
    .requiredOption('--auditor <username>', '安全审计员账号 / security auditor')
    .action(async (flags: BootstrapFlags) => {
      const opts = global();
      const input = {
        system: { username: flags.system, password: passwordFrom(PASSWORD_VARIABLES.system) },
        security: { username: flags.security, password: passwordFrom(PASSWORD_VARIABLES.security) },
        auditor: { username: flags.auditor, password: passwordFrom(PASSWORD_VARIABLES.auditor) },
      };
      const created = await withCenter(opts, (center) => bootstrapCenter(center, flags.code, input));
      if (opts.json) return printJson(created);
      say(opts, {
        zh: `已建立“三员”：系统管理员 ${created.system}，安全管理员 ${created.security}，安全审计员 ${created.auditor}；初始化码已失效`,
        en: `created the three administrators: system ${created.system}, security ${created.security}, auditor ${created.auditor}; the setup code is used up`,
      });
    });
}
