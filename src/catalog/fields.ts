import type { IndexTokens, NewCatalogEntry } from '../db/index.js';
import type { Message } from '../core/index.js';
import { parseArchivalCode, RETENTION_PERIODS } from '../core/archival-code/index.js';
import { indexTokens } from './analyze.js';
import type { CatalogFields, OpenStatus } from './entry.js';

/** Field names of CatalogFields, in the order of a catalog sheet (DA/T 46 §5 order, then ours). */
export const FIELD_ORDER = [
  'archivalCode',
  'fonds',
  'category',
  'year',
  'itemNumber',
  'title',
  'responsible',
  'date',
  'documentNumber',
  'orgOrIssue',
  'retention',
  'classification',
  'pages',
  'keywords',
  'notes',
  'openStatus',
] as const satisfies ReadonlyArray<keyof CatalogFields>;

export type FieldName = (typeof FIELD_ORDER)[number];

/** The heading each field gets in an export, Chinese first. */
export const FIELD_HEADINGS: Readonly<Record<FieldName, string>> = {
  archivalCode: '档号',
  fonds: '全宗号',
  category: '门类代码',
  year: '年度',
  itemNumber: '件号',
  title: '题名',
  responsible: '责任者',
  date: '日期',
  documentNumber: '文号',
  orgOrIssue: '机构或问题',
  retention: '保管期限',
  classification: '密级',
  pages: '页数',
  keywords: '关键词',
  notes: '附注',
  openStatus: '开放状态',
};

/** Headings seen in units' catalogs (Excel exports of 档案管理系统 of several vendors) for each field. */
const HEADING_ALIASES: Readonly<Record<FieldName, readonly string[]>> = {
  archivalCode: ['档号', 'archival code', 'reference code', 'dh'],
  fonds: ['全宗号', '全宗', 'fonds', 'qzh'],
  category: ['门类代码', '门类', '类别', '档案门类', '类别代码', 'category'],
  year: ['年度', '年份', 'year', 'nd'],
  itemNumber: ['件号', '卷号', '案卷号', 'item', 'item number', 'jh'],
  title: ['题名', '标题', '文件题名', '案卷题名', 'title', 'tm'],
  responsible: ['责任者', '责任人', '发文机关', '作者', 'responsible', 'creator', 'zrz'],
  date: ['日期', '文件日期', '形成日期', '成文日期', 'date', 'rq'],
  documentNumber: ['文号', '文件编号', '发文字号', 'document number', 'wh'],
  orgOrIssue: ['机构或问题', '机构(问题)', '机构（问题）', '机构', '问题', '部门', 'org', 'organization'],
  retention: ['保管期限', '期限', 'retention', 'bgqx'],
  classification: ['密级', 'classification', 'mj'],
  pages: ['页数', '页号', 'pages', 'ys'],
  keywords: ['关键词', '主题词', 'keywords', 'gjc'],
  notes: ['附注', '备注', 'notes', 'remark', 'bz'],
  openStatus: ['开放状态', '开放', '是否开放', '开放标识', '划控', 'open', 'open status', 'access'],
};

const ALIAS_TO_FIELD = new Map<string, FieldName>(
  FIELD_ORDER.flatMap((f) => HEADING_ALIASES[f].map((a) => [headingKey(a), f] as const)),
);

/** Headings compare without spaces, case and full-width forms. */
export function headingKey(heading: string): string {
  return heading.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
}

/** The field a heading names, by the unit's saved mapping first, then the known aliases. */
export function fieldForHeading(
  heading: string,
  mapping: Readonly<Record<string, string>> = {},
): FieldName | undefined {
  const saved = mapping[heading] ?? mapping[headingKey(heading)];
  if (saved !== undefined) return (FIELD_ORDER as readonly string[]).includes(saved) ? (saved as FieldName) : undefined;
  return ALIAS_TO_FIELD.get(headingKey(heading));
}

/**
 * The parts of a 档号 that fill empty fields, read by core's DA/T 13-2022 / DA/T 22 parser (the one
 * the four-properties check uses); its best reading is taken even where the check would object.
 */
function codeParts(
  code: string,
): { fonds: string; category: string; year: number; retention: string; org?: string; itemNumber: string } | undefined {
  const parsed = parseArchivalCode(code).code;
  if (parsed === undefined) return undefined;
  return {
    fonds: parsed.fonds,
    category: parsed.recordClass,
    year: parsed.year,
    retention: RETENTION_PERIODS[parsed.retention],
    ...(parsed.department === undefined ? {} : { org: parsed.department }),
    itemNumber: parsed.item,
  };
}

const RETENTION_VALUES: Readonly<Record<string, string>> = {
  永久: '永久',
  y: '永久',
  长期: '长期',
  短期: '短期',
  定期30年: '定期30年',
  '30年': '定期30年',
  d30: '定期30年',
  定期10年: '定期10年',
  '10年': '定期10年',
  d10: '定期10年',
};

export function normalizeRetention(value: string): string | undefined {
  return RETENTION_VALUES[value.normalize('NFKC').replace(/\s+/g, '').toLowerCase()];
}

const OPEN_WORDS = new Set(['开放', 'open', '是', 'y', 'yes', '1', 'true', '公开']);
const CONTROLLED_WORDS = new Set(['控制', '控制使用', 'controlled', '否', 'n', 'no', '0', 'false', '不开放', '未开放']);

export function parseOpenStatus(value: string): OpenStatus | undefined {
  const v = value.normalize('NFKC').trim().toLowerCase();
  return OPEN_WORDS.has(v) ? 'open' : CONTROLLED_WORDS.has(v) ? 'controlled' : undefined;
}

/** 20200501, 2020-05-01, 2020/5/1, 2020.5.1, 2020年5月1日, 2020-05, 2020 → YYYY[-MM[-DD]]; undefined if not a real date. */
export function normalizeDate(value: string): string | undefined {
  const v = value.normalize('NFKC').trim();
  const m =
    /^(\d{4})(\d{2})(\d{2})$/.exec(v) ??
    /^(\d{4})[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?)?月?$/.exec(v) ??
    /^(\d{4})年?$/.exec(v);
  if (m === null) return undefined;
  const [, y, mo, d] = m;
  const year = Number(y);
  if (year < 1000 || year > 2999) return undefined;
  if (mo === undefined) return y;
  const month = Number(mo);
  if (month < 1 || month > 12) return undefined;
  const mm = String(month).padStart(2, '0');
  if (d === undefined) return `${y}-${mm}`;
  const day = Number(d);
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  return `${y}-${mm}-${String(day).padStart(2, '0')}`;
}

export interface FieldProblem {
  readonly field: FieldName;
  readonly message: Message;
}

/**
 * Raw cell texts by field → checked CatalogFields, or what is wrong. Values
 * the 档号 implies fill fields left empty; an entry whose open status is not
 * stated is `defaultOpenStatus` (the importer's choice, 控制 unless told).
 */
export function buildFields(
  raw: Partial<Record<FieldName, string>>,
  defaultOpenStatus: OpenStatus,
): { fields: CatalogFields } | { problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const text = (f: FieldName): string => (raw[f] ?? '').trim();
  const title = text('title');
  if (title === '') problems.push({ field: 'title', message: { zh: '题名不能为空', en: 'the title is empty' } });
  const archivalCode = text('archivalCode').normalize('NFKC');
  const parsed = archivalCode === '' ? undefined : codeParts(archivalCode);

  let date: string | undefined;
  if (text('date') !== '') {
    date = normalizeDate(text('date'));
    if (date === undefined) {
      problems.push({
        field: 'date',
        message: {
          zh: `日期"${text('date')}"无效，应为 20200501 或 2020-05-01`,
          en: `invalid date "${text('date')}" (use 20200501 or 2020-05-01)`,
        },
      });
    }
  }
  let year: number | undefined;
  if (text('year') !== '') {
    year = Number(text('year').replace(/年$/, ''));
    if (!Number.isInteger(year) || year < 1000 || year > 2999) {
      problems.push({
        field: 'year',
        message: { zh: `年度"${text('year')}"无效`, en: `invalid year "${text('year')}"` },
      });
    }
  }
  year ??= parsed?.year ?? (date === undefined ? undefined : Number(date.slice(0, 4)));

  let retention: string | undefined;
  if (text('retention') !== '') {
    retention = normalizeRetention(text('retention'));
    if (retention === undefined) {
      problems.push({
        field: 'retention',
        message: {
          zh: `保管期限"${text('retention')}"无效，应为 永久、定期30年 或 定期10年`,
          en: `invalid retention "${text('retention')}" (永久, 定期30年 or 定期10年)`,
        },
      });
    }
  }
  let pages: number | undefined;
  if (text('pages') !== '') {
    pages = Number(text('pages'));
    if (!Number.isInteger(pages) || pages < 0 || pages > 1_000_000) {
      problems.push({
        field: 'pages',
        message: { zh: `页数"${text('pages')}"不是整数`, en: `pages "${text('pages')}" is not a whole number` },
      });
    }
  }
  let openStatus = defaultOpenStatus;
  if (text('openStatus') !== '') {
    const s = parseOpenStatus(text('openStatus'));
    if (s === undefined) {
      problems.push({
        field: 'openStatus',
        message: {
          zh: `开放状态"${text('openStatus')}"无效，应为 开放 或 控制`,
          en: `invalid open status "${text('openStatus')}" (开放 or 控制)`,
        },
      });
    } else openStatus = s;
  }
  if (problems.length > 0) return { problems };
  const optional = (f: FieldName, v: string | undefined): Partial<CatalogFields> =>
    v === undefined || v === '' ? {} : { [f]: v };
  return {
    fields: {
      title,
      openStatus,
      ...optional('archivalCode', archivalCode),
      ...optional('fonds', text('fonds') || parsed?.fonds),
      ...optional('category', text('category') || parsed?.category),
      ...(year === undefined ? {} : { year }),
      ...optional('itemNumber', text('itemNumber') || parsed?.itemNumber),
      ...optional('responsible', text('responsible')),
      ...optional('date', date),
      ...optional('documentNumber', text('documentNumber')),
      ...optional('orgOrIssue', text('orgOrIssue') || parsed?.org),
      ...optional('retention', retention ?? parsed?.retention),
      ...optional('classification', text('classification')),
      ...(pages === undefined ? {} : { pages }),
      ...optional('keywords', text('keywords')),
      ...optional('notes', text('notes')),
    },
  };
}

/** The stored form of checked fields. */
export function toNewEntry(
  fields: CatalogFields,
  unitCode: string,
  source: NewCatalogEntry['source'],
  link: { regno?: string; filePath?: string } = {},
): NewCatalogEntry {
  return {
    unitCode,
    archivalCode: fields.archivalCode ?? '',
    fonds: fields.fonds ?? '',
    category: fields.category ?? '',
    year: fields.year ?? null,
    itemNumber: fields.itemNumber ?? '',
    title: fields.title,
    responsible: fields.responsible ?? '',
    date: fields.date ?? '',
    documentNumber: fields.documentNumber ?? '',
    orgOrIssue: fields.orgOrIssue ?? '',
    retention: fields.retention ?? '',
    classification: fields.classification ?? '',
    pages: fields.pages ?? null,
    keywords: fields.keywords ?? '',
    notes: fields.notes ?? '',
    openStatus: fields.openStatus,
    regno: link.regno ?? null,
    filePath: link.filePath ?? null,
    source,
  };
}

/** What an entry is found by, per weighted column (db/repositories/catalog.ts). */
export function entryIndex(e: NewCatalogEntry, text?: string): IndexTokens {
  return {
    title: indexTokens(e.title),
    code: [...indexTokens(e.archivalCode), ...indexTokens(e.documentNumber)],
    party: [
      ...indexTokens(e.responsible),
      ...indexTokens(e.keywords),
      ...indexTokens(e.orgOrIssue),
      ...indexTokens(e.notes),
    ],
    body: indexTokens(text),
  };
}
