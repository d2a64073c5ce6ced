import { Option, type Command } from 'commander';
import {
  OFFLINE_CARRIER_TYPES,
  exportCarrier,
  importCarrier,
  type CarrierImportItem,
  type CarrierItemStatus,
  type CarrierSelection,
  type OfflineCarrierType,
  type StoredState,
} from '../../center/index.js';
import type { Message } from '../../core/index.js';
import { EXIT, exitCodeFor, formatBytes, printJson, say, type GlobalOptions } from '../output.js';
import { progressBar } from '../progress.js';
import { withCenter } from './with-center.js';

const TYPE_NAMES: Record<OfflineCarrierType, Message> = {
  'optical-disc': { zh: '光盘', en: 'optical disc' },
  tape: { zh: '磁带', en: 'tape' },
  'portable-disk': { zh: '移动硬盘', en: 'portable disk' },
};

const STATUS_NAMES: Record<CarrierItemStatus, Message> = {
  restored: { zh: '已恢复', en: 'restored' },
  intact: { zh: '保存库中完好，未改动', en: 'intact in the store, untouched' },
  restorable: { zh: '可恢复，仅校验未写入', en: 'restorable, verified only, nothing written' },
  invalid: { zh: '校验未通过，未导入', en: 'failed verification, not imported' },
  mismatch: { zh: '与本中心的登记不符，未导入', en: 'does not match this center’s registration, not imported' },
  unknown: { zh: '本中心未登记，未导入', en: 'not registered here, not imported' },
  registered: { zh: '已登记为本中心的新登记', en: 'registered here as a new registration' },
  failed: { zh: '恢复失败', en: 'restore failed' },
};

const STATE_NAMES: Record<StoredState, Message> = {
  missing: { zh: '原缺失', en: 'was missing' },
  damaged: { zh: '原已损坏', en: 'was damaged' },
  behind: { zh: '原缺少较新版本', en: 'lacked newer versions' },
  intact: { zh: '完好', en: 'intact' },
};

interface ExportFlags {
  to: string;
  regno?: string[];
  unit?: string;
  all: boolean;
  serial: string;
  type: OfflineCarrierType;
}

export function selection(flags: Pick<ExportFlags, 'regno' | 'unit' | 'all'>, command: Command): CarrierSelection {
  const given = [flags.regno !== undefined, flags.unit !== undefined, flags.all].filter(Boolean).length;
  if (given !== 1) {
    command.error('请且仅请指定 --regno、--unit 或 --all 之一 / give exactly one of --regno, --unit or --all', {
      exitCode: EXIT.usage,
    });
  }
  if (flags.all) return { all: true };
  if (flags.unit !== undefined) return { unit: flags.unit };
  return { regnos: flags.regno ?? [] };
}

function printItem(opts: GlobalOptions, item: CarrierImportItem): void {
  const state = item.storeState !== undefined && item.status !== 'intact' ? STATE_NAMES[item.storeState] : undefined;
  const extra = state ? `（${state.zh}）` : '';
  const extraEn = state ? ` (${state.en})` : '';
  const outdated = item.outdated
    ? {
        zh: `；载体只到第 ${item.headVersion} 版，之后登记的版本不在其中`,
        en: `; the carrier ends at version ${item.headVersion}, later versions are not on it`,
      }
    : { zh: '', en: '' };
  say(opts, {
    zh: `${item.regno}  ${STATUS_NAMES[item.status].zh}${item.registeredAs ? ` ${item.registeredAs}` : ''}${extra}${outdated.zh}`,
    en: `${item.regno}  ${STATUS_NAMES[item.status].en}${item.registeredAs ? ` ${item.registeredAs}` : ''}${extraEn}${outdated.en}`,
  });
  const problems = item.problems ?? [];
  for (const p of problems.slice(0, 5)) {
    say(opts, {
      zh: `    ${p.code}  ${p.path ?? ''}  ${p.message.zh}`,
      en: `    ${p.code}  ${p.path ?? ''}  ${p.message.en}`,
    });
  }
  if (problems.length > 5) {
    say(opts, { zh: `    ……另有 ${problems.length - 5} 处`, en: `    … and ${problems.length - 5} more` });
  }
}

export function registerCarrier(program: Command, global: () => GlobalOptions): void {
  const carrier = program
    .command('carrier')
    .description('脱机备份载体（光盘、磁带、移动硬盘）/ offline carriers (optical disc, tape, portable disk)');

  carrier
    .command('export')
    .description(
      '把登记写到一个目录，供刻录光盘、写入磁带或复制到移动硬盘 / write registrations to a directory for a disc, tape or portable disk',
    )
    .requiredOption('--to <dir>', '目标目录（须不存在或为空）/ target directory (absent or empty)')
    .option('--regno <regno...>', '指定登记号（可多个）/ these registrations (one or more)')
    .option('--unit <code>', '某单位的全部登记 / every registration of a unit')
    .option('--all', '全部登记 / every registration', false)
    .requiredOption('--serial <serial>', '载体编号，如 CD-2026-001 / carrier serial, e.g. CD-2026-001')
    .addOption(
      new Option('--type <type>', '载体类型 / carrier type').choices(OFFLINE_CARRIER_TYPES).makeOptionMandatory(),
    )
    .action(async (flags: ExportFlags, command: Command) => {
      const opts = global();
      const select = selection(flags, command);
      const bar = progressBar(opts, { default: { zh: '写出载体', en: 'Writing carrier' } });
      try {
        const result = await withCenter(opts, (center) =>
          exportCarrier(center, {
            to: flags.to,
            serial: flags.serial,
            type: flags.type,
            select,
            agent: process.env.USER,
            onProgress: (p) => bar.update(p),
          }),
        );
        bar.stop();
        const firstFailure = result.failed[0];
        process.exitCode = firstFailure === undefined ? EXIT.ok : exitCodeFor(firstFailure.code);
        if (opts.json) return printJson(result);
        for (const f of result.failed) {
          say(opts, {
            zh: `${f.regno}  未写入：[${f.code}] ${f.message.zh}`,
            en: `${f.regno}  not written: [${f.code}] ${f.message.en}`,
          });
        }
        const type = TYPE_NAMES[result.type];
        say(opts, {
          zh: `已写出${type.zh}载体 ${result.serial} 到 ${result.dir}：${result.entries.length} 个登记，${result.payloadFiles} 个文件，${formatBytes(result.payloadBytes)}${result.failed.length > 0 ? `；${result.failed.length} 个登记未写入` : ''}。请将整个目录写入载体。`,
          en: `wrote ${type.en} carrier ${result.serial} to ${result.dir}: ${result.entries.length} registrations, ${result.payloadFiles} files, ${formatBytes(result.payloadBytes)}${result.failed.length > 0 ? `; ${result.failed.length} registrations not written` : ''}. Write the whole directory to the carrier.`,
        });
      } finally {
        bar.stop();
      }
    });

  carrier
    .command('import <dir>')
    .description(
      '校验载体，并从中恢复保存库中缺失或损坏的对象 / verify a carrier and restore objects missing or damaged in the store',
    )
    .option(
      '--trust-key <key...>',
      '另外信任的验证公钥（其他中心的载体）/ further trusted verifier keys (another center’s carrier)',
    )
    .option('--verify-only', '只校验，不写入保存库 / verify only, write nothing to the store', false)
    .option(
      '--register',
      '把本中心未登记的内容（其他中心或单位的载体）登记为新登记 / register what this center does not know (another center’s or a unit’s carrier) as new registrations',
    )
    .option('--unit <code>', '与 --register 同用：登记到此单位 / with --register: register for this unit')
    .action(
      async (dir: string, flags: { trustKey?: string[]; verifyOnly: boolean; register?: boolean; unit?: string }) => {
        const opts = global();
        const bar = progressBar(opts, {
          verify: { zh: '校验载体', en: 'Verifying carrier' },
          restore: { zh: '恢复对象', en: 'Restoring objects' },
        });
        try {
          const result = await withCenter(opts, (center) =>
            importCarrier(center, {
              from: dir,
              trustKeys: flags.trustKey ?? [],
              verifyOnly: flags.verifyOnly,
              ...(flags.register === true ? { register: true } : {}),
              ...(flags.unit !== undefined ? { unit: flags.unit } : {}),
              agent: process.env.USER,
              onProgress: (p) => bar.update(p),
            }),
          );
          bar.stop();
          process.exitCode = result.complete ? EXIT.ok : EXIT.integrity;
          if (opts.json) return printJson(result);
          for (const item of result.items) printItem(opts, item);
          const c = result.counts;
          say(opts, {
            zh: `载体 ${result.serial}（${TYPE_NAMES[result.type].zh}，中心 ${result.centerId}，${result.createdAt}）签名有效：恢复 ${c.restored}，完好 ${c.intact}${result.verifyOnly ? `，可恢复 ${c.restorable}` : ''}，无效 ${c.invalid}，不符 ${c.mismatch}，未登记 ${c.unknown}，失败 ${c.failed}`,
            en: `carrier ${result.serial} (${TYPE_NAMES[result.type].en}, center ${result.centerId}, ${result.createdAt}) signature valid: ${c.restored} restored, ${c.intact} intact${result.verifyOnly ? `, ${c.restorable} restorable` : ''}, ${c.invalid} invalid, ${c.mismatch} mismatched, ${c.unknown} unknown, ${c.failed} failed`,
          });
          if (c.registered > 0) {
            say(opts, { zh: `新登记 ${c.registered} 项`, en: `${c.registered} registered as new registrations` });
          }
          if (c.unknown > 0) {
            say(opts, {
              zh: '本中心未登记的内容没有导入；要登记为本中心的新登记，加 --register。',
              en: 'content not registered here was not imported; add --register to register it here.',
            });
          }
        } finally {
          bar.stop();
        }
      },
    );
}
