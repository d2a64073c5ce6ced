/**
 * A deterministic, realistic 文件级目录 (file-level catalog) of a county/city
 * archive, for the search evaluation set (queries.ts builds labelled queries
 * from it by brute force).
 *
 * Everything comes from one seeded PRNG, so a seed always gives the same
 * entries. The vocabulary is written so that titles and texts look like what
 * a 区/县 archive really holds: 文书档案 of about a dozen organs, some 科技
 * (project drawings and reports), 会计 (vouchers, ledgers, reports) and 声像
 * (photographs) records, 档号 in DA/T 13-2022 form, 文号 in the 〔年〕N号 form,
 * and the odd person named as speaker, photographer or in a commendation list.
 */
import type { CatalogFields } from '../../src/catalog/entry.js';

export interface GeneratedEntry extends CatalogFields {
  /** Stable key, "E000001" … */
  readonly key: string;
  /** Depositing unit's code, e.g. "330106001". */
  readonly unitCode: string;
  /** Full text of the document (a few sentences to a few paragraphs), plain text, simplified Chinese. */
  readonly text: string;
}

// ---------------------------------------------------------------------------
// Seeded randomness

/** A small seeded PRNG (mulberry32): fast, 32-bit state, good enough for test data. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Picks by weight; `items` are [weight, value] pairs. */
  weighted<T>(items: readonly (readonly [number, T])[]): T {
    const total = items.reduce((sum, [w]) => sum + w, 0);
    let r = this.next() * total;
    for (const [w, value] of items) {
      r -= w;
      if (r < 0) return value;
    }
    return items[items.length - 1]![1];
  }

  /** `n` distinct items (or all of them when there are fewer), in random order. */
  sample<T>(items: readonly T[], n: number): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy.slice(0, n);
  }
}

/** Mixes a seed with a label, so independent streams (one per query kind, say) don't share numbers. */
export function deriveSeed(seed: number, label: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  }
  return h;
}

// ---------------------------------------------------------------------------
// Vocabulary. Subject phrases are written with spaces at word boundaries (the
// spaces are removed in titles); queries.ts uses the words to build multi-word
// queries. "@2017" = from 2017 on, "@2020-2023" = only in those years.

interface Place {
  /** 临安区 */
  readonly name: string;
  /** 临安 (for 分局 names) */
  readonly base: string;
  /** 临 (the first character of every 文号) */
  readonly short: string;
  /** 区 / 县 / 市 (全区, 区级 …) */
  readonly level: string;
  /** 行政区划代码, the first six digits of every unit code. */
  readonly areaCode: string;
  readonly towns: readonly string[];
}

const PLACES: readonly Place[] = [
  {
    name: '临安区',
    base: '临安',
    short: '临',
    level: '区',
    areaCode: '330112',
    towns:
      '锦城街道 锦北街道 锦南街道 玲珑街道 青山湖街道 於潜镇 太湖源镇 高虹镇 昌化镇 河桥镇 龙岗镇 清凉峰镇 天目山镇 板桥镇 湍口镇 岛石镇'.split(
        ' ',
      ),
  },
  {
    name: '余杭区',
    base: '余杭',
    short: '余',
    level: '区',
    areaCode: '330110',
    towns:
      '余杭街道 闲林街道 仓前街道 五常街道 中泰街道 仁和街道 良渚街道 瓶窑镇 径山镇 黄湖镇 鸬鸟镇 百丈镇 崇贤街道 运河街道'.split(
        ' ',
      ),
  },
  {
    name: '桐庐县',
    base: '桐庐',
    short: '桐',
    level: '县',
    areaCode: '330122',
    towns:
      '桐君街道 旧县街道 城南街道 凤川街道 富春江镇 横村镇 分水镇 瑶琳镇 百江镇 江南镇 莪山畲族乡 钟山乡 新合乡 合村乡'.split(
        ' ',
      ),
  },
  {
    name: '建德市',
    base: '建德',
    short: '建',
    level: '市',
    areaCode: '330182',
    towns:
      '新安江街道 洋溪街道 更楼街道 梅城镇 寿昌镇 乾潭镇 杨村桥镇 下涯镇 大洋镇 三都镇 大慈岩镇 大同镇 李家镇 航头镇 钦堂乡'.split(
        ' ',
      ),
  },
  {
    name: '淳安县',
    base: '淳安',
    short: '淳',
    level: '县',
    areaCode: '330127',
    towns:
      '千岛湖镇 文昌镇 石林镇 临岐镇 威坪镇 姜家镇 梓桐镇 汾口镇 中洲镇 大墅镇 枫树岭镇 里商乡 金峰乡 富文乡 左口乡'.split(
        ' ',
      ),
  },
];

interface Subject {
  readonly words: readonly string[];
  readonly phrase: string;
  readonly from: number;
  readonly to: number;
}

function parseSubject(spec: string): Subject {
  const [body = '', years = ''] = spec.split('@');
  const [from = '', to = ''] = years.split('-');
  const words = body.trim().split(/\s+/);
  return { words, phrase: words.join(''), from: from ? Number(from) : 0, to: to ? Number(to) : 9999 };
}

interface Unit {
  /** 机构(问题)代码 in the 档号. */
  readonly code: string;
  readonly name: string;
}

interface Organ {
  readonly fonds: string;
  /** Name without the place, e.g. 财政局. */
  readonly name: string;
  /** 文号 abbreviation after the place character, e.g. 人社 in 临人社发〔2019〕42号. */
  readonly abbr: string;
  /** The provincial counterpart, for 转发 and 报送. */
  readonly upper: string;
  /** How many documents it produces, relative to the others. */
  readonly weight: number;
  readonly units: readonly Unit[];
  readonly subjects: readonly Subject[];
  /** Engineering projects, for 科技档案 (none: the organ has no 科技档案). */
  readonly projects: readonly string[];
}

const COMMON_UNITS: readonly Unit[] = [
  { code: 'BGS', name: '办公室' },
  { code: 'RSK', name: '人事科' },
  { code: 'CWK', name: '财务科' },
];

function organ(
  fonds: string,
  name: string,
  abbr: string,
  upper: string,
  weight: number,
  units: string,
  subjects: readonly string[],
  projects: readonly string[] = [],
): Organ {
  const own = units
    .split(' ')
    .filter(Boolean)
    .map((u) => {
      const [code = '', unitName = ''] = u.split(':');
      return { code, name: unitName };
    });
  return {
    fonds,
    name,
    abbr,
    upper,
    weight,
    units: [...COMMON_UNITS, ...own],
    subjects: subjects.map(parseSubject),
    projects,
  };
}

const ORGANS: readonly Organ[] = [
  organ('J001', '人民政府办公室', '政办', '浙江省人民政府办公厅', 14, 'MSK:秘书科 ZHK:综合科 DCS:督查室 XXK:信息科', [
    '政府 信息 公开@2008',
    '政务 服务 改革',
    '最多跑一次 改革@2016',
    '防汛 防台',
    '森林 防火',
    '营商 环境 优化@2017',
    '数字 政府 建设@2018',
    '重点 项目 建设',
    '民生 实事 项目',
    '人大 代表 建议 办理',
    '政协 提案 办理',
    '乡村 振兴@2018',
    '共同 富裕 示范区 建设@2021',
    '新冠 肺炎 疫情 防控@2020-2022',
    '机关 效能 建设',
    '应急 管理 体系 建设@2018',
    '经济 普查@2004',
    '招商 引资',
  ]),
  organ(
    'J002',
    '人力资源和社会保障局',
    '人社',
    '浙江省人力资源和社会保障厅',
    12,
    'JYK:就业促进科 SBK:社会保险科 LDK:劳动关系科',
    [
      '社会 保险 基金 管理',
      '城乡 居民 基本 养老 保险@2011',
      '城乡 居民 医疗 保险@2008-2019',
      '企业 职工 基本 养老 保险',
      '失业 保险 待遇 发放',
      '工伤 保险 认定',
      '就业 创业 补贴@2009',
      '高校 毕业生 就业',
      '农民工 工资 支付 保障',
      '劳动 人事 争议 仲裁',
      '事业 单位 公开 招聘@2006',
      '职称 评审',
      '专业 技术 人员 继续 教育',
      '技能 人才 培训',
      '劳动 保障 监察',
      '最低 工资 标准',
      '社会 保障 卡 发放@2010',
      '企业 退休 人员 养老金 调整',
    ],
  ),
  organ('J003', '财政局', '财', '浙江省财政厅', 11, 'YSK:预算科 GKK:国库科 NYK:农业农村科 ZCK:政府采购科', [
    '部门 预算 编制',
    '财政 预算 执行',
    '政府 采购 管理@2003',
    '国库 集中 支付@2004',
    '非税 收入 管理',
    '国有 资产 管理',
    '专项 资金 绩效 评价@2009',
    '财政 票据 管理',
    '政府 债务 管理@2015',
    '会计 基础 工作 规范化',
    '村级 财务 管理',
    '惠民 惠农 财政 补贴@2012',
    '乡镇 财政 管理 体制 改革',
    '政府 会计 制度@2019',
    '财政 监督 检查',
    '小型 农田 水利 建设 资金',
  ]),
  organ(
    'J004',
    '教育局',
    '教',
    '浙江省教育厅',
    10,
    'JJK:基础教育科 ZJK:职业教育科 JZK:计划基建科',
    [
      '中小学 校舍 维修',
      '义务 教育 均衡 发展',
      '学前 教育 提升 行动 计划@2011',
      '中小学 教师 招聘',
      '家庭 经济 困难 学生 资助',
      '校园 安全 管理',
      '高中段 招生',
      '职业 教育 实训 基地 建设',
      '中小学 教师 培训',
      '农村 学生 营养 餐@2011',
      '教育 信息化 建设',
      '校车 安全 管理@2011',
      '课后 服务@2018',
      '学校 食堂 食品 安全',
      '民办 学校 年检',
      '教育 督导 评估',
    ],
    ['中小学 校舍 维修 加固 工程', '学校 运动场 改造 工程', '幼儿园 新建 工程', '学校 教学楼 扩建 工程'],
  ),
  organ(
    'J005',
    '卫生健康局',
    '卫健',
    '浙江省卫生健康委员会',
    9,
    'YZK:医政科 JKK:疾病预防控制科 JWK:基层卫生科',
    [
      '基本 公共 卫生 服务@2009',
      '家庭 医生 签约 服务@2016',
      '传染病 防控',
      '预防 接种 管理',
      '医疗 机构 执业 校验',
      '乡村 医生 培训',
      '新型 农村 合作 医疗@2003-2016',
      '妇幼 保健',
      '爱国 卫生 运动',
      '医共体 建设@2018',
      '无偿 献血',
      '计划 生育 目标 管理@1995-2015',
      '新冠 病毒 疫苗 接种@2021-2022',
      '卫生 监督 执法',
      '院前 急救 体系 建设',
    ],
    ['乡镇 卫生院 迁建 工程', '社区 卫生 服务 中心 改造 工程'],
  ),
  organ(
    'J006',
    '自然资源和规划局',
    '资规',
    '浙江省自然资源厅',
    9,
    'GHK:规划科 GDK:耕地保护科 DJK:不动产登记科',
    [
      '国土 空间 总体 规划@2019',
      '土地 利用 总体 规划',
      '耕地 保护 目标 责任',
      '建设 用地 报批',
      '不动产 统一 登记@2015',
      '矿产 资源 管理',
      '地质 灾害 防治',
      '建设 项目 规划 许可',
      '土地 整治 项目',
      '土地 卫片 执法 检查',
      '公益林 补偿',
      '测绘 地理 信息',
      '农村 宅基地 审批',
      '永久 基本 农田 划定',
    ],
    ['土地 整治 工程', '地质 灾害 治理 工程', '农村 土地 综合 整治 工程'],
  ),
  organ(
    'J007',
    '住房和城乡建设局',
    '建',
    '浙江省住房和城乡建设厅',
    10,
    'JGK:建筑业管理科 FCK:房地产管理科 CJK:城市建设科',
    [
      '老旧 小区 改造@2019',
      '保障性 住房 建设',
      '建筑 施工 安全 生产',
      '城镇 燃气 安全',
      '房地产 市场 监管',
      '物业 管理',
      '美丽 城镇 建设@2019',
      '农村 危房 改造',
      '建筑 节能',
      '生活 垃圾 分类@2017',
      '城市 污水 管网 建设',
      '市政 道路 改造',
      '商品房 预售 许可',
      '建设 工程 质量 监督',
      '城中村 改造',
    ],
    [
      '老旧 小区 综合 改造 工程',
      '市政 道路 改造 工程',
      '污水 管网 建设 工程',
      '城市 公园 建设 工程',
      '保障性 住房 工程',
    ],
  ),
  organ(
    'J008',
    '农业农村局',
    '农',
    '浙江省农业农村厅',
    10,
    'NCK:农村改革科 ZZK:种植业科 XMK:畜牧兽医科',
    [
      '高标准 农田 建设@2011',
      '粮食 生产 功能区 建设@2010',
      '土地 承包 经营权 确权 登记@2014',
      '美丽 乡村 建设@2010',
      '农业 机械 购置 补贴@2004',
      '动物 防疫',
      '农产品 质量 安全',
      '家庭 农场 培育@2013',
      '农民 专业 合作社',
      '村级 集体 经济 发展',
      '农村 人居 环境 整治@2018',
      '种粮 大户 补贴',
      '茶叶 产业 发展',
      '山核桃 产业 发展',
      '休闲 农业 发展',
      '农村 生活 污水 治理',
    ],
    ['高标准 农田 建设 工程', '农村 生活 污水 处理 工程', '粮食 烘干 中心 建设 工程'],
  ),
  organ('J009', '生态环境局', '环', '浙江省生态环境厅', 7, 'HPK:环评科 JCK:监测科 ZFD:执法大队', [
    '大气 污染 防治',
    '水污染 防治',
    '土壤 污染 防治@2016',
    '环境 影响 评价 审批',
    '排污 许可 管理@2017',
    '五水共治@2014',
    '生态 环境 执法',
    '环境 保护 督察 整改@2016',
    '危险 废物 规范化 管理',
    '饮用水 水源地 保护',
    '环境 空气 质量 监测',
    '生态 文明 建设 示范区 创建',
    '机动车 尾气 检测',
    '畜禽 养殖 污染 治理',
  ]),
  organ(
    'J010',
    '档案馆',
    '档',
    '浙江省档案局',
    7,
    'JSK:接收征集科 BGK:保管利用科 XJK:信息技术科',
    [
      '档案 数字化@2005',
      '档案 接收 进馆',
      '档案 开放 审核@2021',
      '档案 安全 检查',
      '档案 执法 检查',
      '电子 文件 归档@2010',
      '馆藏 档案 抢救 保护',
      '档案 编研',
      '机关 档案 目标 管理@1995-2012',
      '档案 移交',
      '数字 档案馆 建设@2010',
      '档案 查阅 利用',
      '村级 档案 规范化 管理',
      '民生 档案 工作',
      '国际 档案日 宣传@2012',
    ],
    ['档案馆 新馆 建设 工程', '档案 库房 改造 工程'],
  ),
  organ(
    'J011',
    '水利局',
    '水',
    '浙江省水利厅',
    7,
    'SGK:水旱灾害防御科 NSK:农村水利科 HGK:河道管理科',
    [
      '农村 饮水 安全 工程',
      '小型 水库 除险 加固',
      '河长制 湖长制@2017',
      '山塘 综合 整治',
      '水土 保持',
      '最严格 水资源 管理@2012',
      '防汛 物资 储备',
      '堤防 加固',
      '中小 河流 治理',
      '水利 工程 标准化 管理@2016',
      '农田 水利 基本 建设',
    ],
    ['农村 饮水 安全 工程', '小型 水库 除险 加固 工程', '山塘 综合 整治 工程', '中小 河流 综合 治理 工程'],
  ),
  organ('J012', '民政局', '民', '浙江省民政厅', 7, 'JZK:社会救助科 ZQK:基层政权科 YLK:养老服务科', [
    '城乡 最低 生活 保障',
    '特困 人员 救助 供养',
    '居家 养老 服务 照料 中心 建设@2012',
    '社会 组织 登记 管理',
    '婚姻 登记',
    '殡葬 管理 改革',
    '村民 委员会 换届 选举',
    '城乡 社区 治理',
    '临时 救助',
    '残疾人 两项 补贴@2016',
    '地名 普查@2014-2018',
    '慈善 一日 捐',
    '优抚 对象 抚恤 补助',
    '行政区划 调整',
  ]),
];

/** Subjects any organ writes about. */
const GENERIC_SUBJECTS: readonly Subject[] = [
  '安全 生产 责任制',
  '党风 廉政 建设',
  '保密 工作',
  '机关 档案 工作',
  '精神 文明 建设',
  '信访 工作',
  '内设 机构 职能 配置',
  '固定 资产 管理',
  '公务 接待 管理@2013',
  '法治 政府 建设',
  '干部 教育 培训',
  '平安 建设',
  '文明 单位 创建',
  '公共 机构 节能',
  '目标 责任制 考核',
  '双拥 工作',
  '安全 生产 大检查',
  '政务 公开',
].map(parseSubject);

/** Companies for 科技档案 (设计/施工 units, named as co-责任者). */
const COMPANIES: readonly string[] = [
  '浙江省水利水电勘测设计院',
  '杭州市建筑设计研究院有限公司',
  '浙江省建筑设计研究院',
  '中国联合工程有限公司',
  '浙江省工程勘察设计院集团有限公司',
  '杭州市城建设计研究院有限公司',
  '浙江大学建筑设计研究院有限公司',
  '浙江省第一水电建设集团股份有限公司',
  '杭州市市政工程集团有限公司',
  '中天建设集团有限公司',
];

const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严戴莫孔汤俞楼应裘';
const GIVEN_CHARS =
  '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英霞平刚桂兰华玉萍红鹏飞辉健斌宇浩凯鑫波宁琳颖倩婷雪慧晨俊峰帆亮莉燕丹旭昊然欣怡佳嘉晓文志海春梅云萌博瑞雯毅铭泽宏晶诚立德荣琪璐薇晴阳坤鸣';

/**
 * The pool of personal names the generator draws from (6,000 distinct 2–3
 * character names — a county's civil servants — made once from a fixed seed,
 * so they don't depend on the catalog's seed; at 20,000 entries a name
 * appears in about three). A two-character name that starts a three-character one
 * (王明 / 王明华) is left out: a query for it would also find the other person.
 */
export const PERSON_NAMES: readonly string[] = makePersonNames(6000);

function makePersonNames(count: number): string[] {
  const rng = new Rng(0x5eed);
  const surnames = [...SURNAMES];
  const given = [...GIVEN_CHARS];
  const names = new Set<string>();
  // Spare names, for the two-character ones dropped below.
  while (names.size < count * 1.5) {
    const givenName = rng.chance(0.35) ? rng.pick(given) : rng.pick(given) + rng.pick(given);
    names.add(rng.pick(surnames) + givenName);
  }
  const all = [...names];
  const prefixes = new Set(all.filter((n) => n.length === 3).map((n) => n.slice(0, 2)));
  return all.filter((n) => !prefixes.has(n)).slice(0, count);
}

const ROLES = ['副区长', '局长', '副局长', '主任', '副主任', '科长', '调研员', '党组书记'];

/** 印发 … attachments, with word boundaries. */
const POLICY_DOCS = [
  '实施 办法',
  '工作 方案',
  '实施 方案',
  '管理 办法',
  '考核 细则',
  '工作 要点',
  '实施 细则',
  '暂行 规定',
  '行动 计划',
];
const CAMPAIGNS = ['专项 检查', '督查', '业务 培训', '宣传 活动', '专项 整治', '考核', '自查 自纠', '摸底 调查'];
const REPORTS = ['工作 总结', '工作 情况', '统计 报表', '自查 报告', '年度 报告'];
const ALLOCATIONS = ['补助 资金', '专项 资金', '建设 计划', '目标 任务', '奖补 资金'];
const PUBLICATIONS = ['检查 结果', '考核 结果', '名单', '评估 结果'];
const REQUESTS = ['专项 资金', '补助 经费', '项目 立项', '工作 经费'];
const PROJECT_DOCS = [
  '施工 图',
  '竣工 验收 报告',
  '初步 设计',
  '地质 勘察 报告',
  '监理 规划',
  '招标 文件',
  '竣工 决算',
  '施工 合同',
];
const SX_EVENTS = ['工作 会议', '现场 推进会', '启动 仪式', '专项 检查', '业务 培训', '宣传 活动'];
const NOTES = [
  '附件另存',
  '复印件',
  '原件字迹褪色',
  '有修改稿',
  '含照片3张',
  '附图纸2张',
  '原件存业务科室',
  '与上件为同一事由',
  '正本缺失，存定稿',
];

/**
 * The words titles are made of (subject words, places, towns, organ names and
 * the template words), for segmenting titles into words (queries.ts).
 */
export const TITLE_VOCABULARY: ReadonlySet<string> = buildVocabulary();

function buildVocabulary(): Set<string> {
  const words = new Set<string>();
  const addSpaced = (s: string) => s.split(' ').forEach((w) => words.add(w));
  for (const place of PLACES) {
    words.add(place.name);
    place.towns.forEach((t) => words.add(t));
  }
  for (const o of ORGANS) {
    words.add(o.name);
    words.add(o.upper);
    o.subjects.forEach((s) => s.words.forEach((w) => words.add(w)));
    o.projects.forEach(addSpaced);
  }
  GENERIC_SUBJECTS.forEach((s) => s.words.forEach((w) => words.add(w)));
  [POLICY_DOCS, CAMPAIGNS, REPORTS, ALLOCATIONS, PUBLICATIONS, REQUESTS, PROJECT_DOCS, SX_EVENTS].forEach((list) =>
    list.forEach(addSpaced),
  );
  '关于 印发 转发 开展 做好 加强 进一步 申请 报送 下达 调整 公布 通知 请示 批复 报告 意见 决定 通报 复函 工作 领导 小组 成员 标准 专题 会议 纪要 表彰 先进 集体 个人 同志 任职 职务 任免 讲话 全区 全县 全市 年度 情况 有关 问题 项目 照片 录像 记账 凭证 总账 明细账 报表 决算'
    .split(' ')
    .forEach((w) => words.add(w));
  return words;
}

// ---------------------------------------------------------------------------
// Generation

interface Ctx {
  readonly rng: Rng;
  readonly place: Place;
  readonly organ: Organ;
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly subject: Subject;
  readonly town: string;
  /** The organ's full name, e.g. 临安区财政局. */
  readonly organName: string;
  /** A second organ for joint documents (null: issued alone). */
  readonly partner: Organ | null;
}

/** What a title template produces besides the title. */
interface TitleSpec {
  readonly title: string;
  /** 通知, 请示 … (drives the text and the retention). */
  readonly kind: DocKind;
  /** Personal names in the title. */
  readonly names: readonly string[];
}

type DocKind =
  | '通知'
  | '意见'
  | '请示'
  | '报告'
  | '批复'
  | '函'
  | '总结'
  | '纪要'
  | '决定'
  | '任免'
  | '讲话'
  | '科技'
  | '会计'
  | '声像';

/**
 * Concatenates title parts, dropping the word-boundary spaces. Subjects that
 * already end in 工作 (信访工作, 双拥工作) would read "…工作工作" in templates
 * that append 工作, so the doubled word is collapsed.
 */
const join = (...parts: string[]) => dedupeWork(parts.join('').replace(/ /g, ''));
const dedupeWork = (s: string) => s.replace(/工作工作/g, '工作');

function ymd(year: number, month: number, day: number): string {
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** An amount in 万元 with up to two decimals, e.g. "356.8". */
function amount(rng: Rng, max: number): string {
  const v = rng.int(10, max * 100) / 100;
  return String(Math.round(v * 100) / 100);
}

function personName(rng: Rng): string {
  return rng.pick(PERSON_NAMES);
}

function personNames(rng: Rng, n: number): string[] {
  const names = new Set<string>();
  while (names.size < n) names.add(personName(rng));
  return [...names];
}

/** The 文书 templates: [weight, build]. */
const WS_TEMPLATES: readonly (readonly [number, (c: Ctx) => TitleSpec])[] = [
  [
    12,
    (c) => {
      const doc = c.rng.pick(POLICY_DOCS);
      const prefix = c.rng.chance(0.7) ? `${c.place.name}${c.year}年` : c.place.name;
      return { title: join('关于印发《', prefix, c.subject.phrase, doc, '》的通知'), kind: '通知', names: [] };
    },
  ],
  [
    8,
    (c) => {
      const upper = c.rng.chance(0.6) ? c.organ.upper : `杭州市${c.organ.name}`;
      const verb = c.rng.pick(['做好', '加强', '进一步做好', '开展']);
      return {
        title: join('关于转发', upper, '《关于', verb, `${c.year}年`, c.subject.phrase, '工作的通知》的通知'),
        kind: '通知',
        names: [],
      };
    },
  ],
  [
    8,
    (c) => {
      const where = c.rng.chance(0.3) ? c.town : '';
      return {
        title: join('关于开展', `${c.year}年`, where, c.subject.phrase, c.rng.pick(CAMPAIGNS), '的通知'),
        kind: '通知',
        names: [],
      };
    },
  ],
  [6, (c) => ({ title: join('关于做好', `${c.year}年`, c.subject.phrase, '工作的通知'), kind: '通知', names: [] })],
  [
    4,
    (c) =>
      c.rng.chance(0.5)
        ? { title: join('关于进一步加强', c.subject.phrase, '工作的意见'), kind: '意见', names: [] }
        : { title: join('关于加强', c.town, c.subject.phrase, '的意见'), kind: '意见', names: [] },
  ],
  [
    6,
    (c) => ({
      title: join('关于申请', c.town, c.subject.phrase, c.rng.pick(REQUESTS), '的请示'),
      kind: '请示',
      names: [],
    }),
  ],
  [
    6,
    (c) => ({
      title: join('关于报送', `${c.year}年`, c.subject.phrase, c.rng.pick(REPORTS), '的报告'),
      kind: '报告',
      names: [],
    }),
  ],
  [
    6,
    (c) => ({
      title: join(
        '关于下达',
        `${c.year}年`,
        c.rng.chance(0.4) ? c.town : '',
        c.subject.phrase,
        c.rng.pick(ALLOCATIONS),
        '的通知',
      ),
      kind: '通知',
      names: [],
    }),
  ],
  [
    3,
    (c) =>
      c.rng.chance(0.6)
        ? { title: join('关于调整', c.place.name, c.subject.phrase, '工作领导小组成员的通知'), kind: '通知', names: [] }
        : { title: join('关于调整', c.subject.phrase, '有关标准的通知'), kind: '通知', names: [] },
  ],
  [
    4,
    (c) => ({
      title: join('关于公布', `${c.year}年度`, c.subject.phrase, c.rng.pick(PUBLICATIONS), '的通知'),
      kind: '通知',
      names: [],
    }),
  ],
  [
    5,
    (c) => ({
      title: join('关于', c.town, c.subject.phrase, c.rng.pick(['项目', '实施方案', '有关事项']), '的批复'),
      kind: '批复',
      names: [],
    }),
  ],
  [
    5,
    (c) =>
      c.rng.chance(0.5)
        ? { title: join('关于商请协助做好', c.subject.phrase, '工作的函'), kind: '函', names: [] }
        : { title: join('关于', c.town, c.subject.phrase, '有关问题的复函'), kind: '函', names: [] },
  ],
  [4, (c) => ({ title: join(c.organName, `${c.year}年`, c.subject.phrase, '工作总结'), kind: '总结', names: [] })],
  [
    5,
    (c) => ({
      title: join(c.subject.phrase, '专题会议纪要（', `${c.year}年第${c.rng.int(1, 24)}期`, '）'),
      kind: '纪要',
      names: [],
    }),
  ],
  [
    3,
    (c) => {
      if (c.rng.chance(0.5)) {
        return {
          title: join('关于表彰', `${c.year}年度`, c.subject.phrase, '工作先进集体和先进个人的决定'),
          kind: '决定',
          names: [],
        };
      }
      const name = personName(c.rng);
      return {
        title: join('关于表彰', name, '等', `${c.rng.int(3, 12)}名同志的通报`),
        kind: '决定',
        names: [name],
      };
    },
  ],
  [
    3,
    (c) => {
      const name = personName(c.rng);
      const title = c.rng.chance(0.5)
        ? join('关于', name, '同志任职的通知')
        : join('关于', name, '等同志职务任免的通知');
      return { title, kind: '任免', names: [name] };
    },
  ],
  [
    2,
    (c) => {
      const name = personName(c.rng);
      return {
        title: join(name, '同志在', `${c.year}年全${c.place.level}`, c.subject.phrase, '工作会议上的讲话'),
        kind: '讲话',
        names: [name],
      };
    },
  ],
  [4, (c) => ({ title: join('关于', c.town, c.subject.phrase, '情况的报告'), kind: '报告', names: [] })],
];

function kjTitle(c: Ctx): TitleSpec {
  return { title: join(c.town, c.subject.phrase, c.rng.pick(PROJECT_DOCS)), kind: '科技', names: [] };
}

function kuTitle(c: Ctx): TitleSpec {
  const first = c.rng.int(1, 300);
  const options = [
    `${c.year}年${c.month}月记账凭证（第${first}-${first + c.rng.int(20, 120)}号）`,
    `${c.year}年度部门决算报表`,
    `${c.year}年${c.month}月会计报表`,
    `${c.year}年${c.rng.pick(['总账', '明细账', '现金日记账', '银行存款日记账'])}`,
    `${c.year}年${c.month}月银行对账单`,
  ];
  return {
    title: c.rng.weighted([
      [6, options[0]!],
      [1, options[1]!],
      [2, options[2]!],
      [2, options[3]!],
      [1, options[4]!],
    ]),
    kind: '会计',
    names: [],
  };
}

function sxTitle(c: Ctx): TitleSpec {
  const where = c.rng.chance(0.5) ? c.place.name : c.town;
  return {
    title: join(`${c.year}年`, where, c.subject.phrase, c.rng.pick(SX_EVENTS), c.rng.chance(0.8) ? '照片' : '录像'),
    kind: '声像',
    names: [],
  };
}

/** 保管期限 by document kind: [weight, code] (DA/T 13: Y 永久, D30 定期30年, D10 定期10年). */
const RETENTION_BY_KIND: Readonly<Record<DocKind, readonly (readonly [number, RetentionCode])[]>> = {
  通知: [
    [3, 'Y'],
    [5, 'D30'],
    [2, 'D10'],
  ],
  意见: [
    [6, 'Y'],
    [4, 'D30'],
  ],
  请示: [
    [2, 'Y'],
    [5, 'D30'],
    [3, 'D10'],
  ],
  报告: [
    [2, 'Y'],
    [5, 'D30'],
    [3, 'D10'],
  ],
  批复: [
    [4, 'Y'],
    [6, 'D30'],
  ],
  函: [
    [5, 'D30'],
    [5, 'D10'],
  ],
  总结: [
    [7, 'Y'],
    [3, 'D30'],
  ],
  纪要: [[1, 'Y']],
  决定: [
    [8, 'Y'],
    [2, 'D30'],
  ],
  任免: [[1, 'Y']],
  讲话: [
    [7, 'Y'],
    [3, 'D30'],
  ],
  科技: [
    [7, 'Y'],
    [3, 'D30'],
  ],
  会计: [
    [2, 'Y'],
    [5, 'D30'],
    [3, 'D10'],
  ],
  声像: [
    [8, 'Y'],
    [2, 'D30'],
  ],
};

type RetentionCode = 'Y' | 'D30' | 'D10';
const RETENTION_NAMES: Readonly<Record<RetentionCode, string>> = { Y: '永久', D30: '定期30年', D10: '定期10年' };

/** 文号 type character by kind (null: the document has no 文号). */
const DOC_NUMBER_TYPE: Readonly<Record<DocKind, string | null>> = {
  通知: '发',
  意见: '发',
  请示: '',
  报告: '',
  批复: '复',
  函: '函',
  总结: null,
  纪要: null,
  决定: '发',
  任免: '任',
  讲话: null,
  科技: null,
  会计: null,
  声像: null,
};

// --- Full text --------------------------------------------------------------

function phone(rng: Rng): string {
  return `0571-${rng.int(61000000, 89999999)}`;
}

/** Sentences naming a person (a contact, a chair), added to some documents' bodies. */
const NAMING_SENTENCES: readonly ((c: Ctx) => string)[] = [
  (c) =>
    `请各单位于${c.year}年${c.rng.int(1, 12)}月${c.rng.int(1, 28)}日前将${c.subject.phrase}工作情况报送${c.organName}${c.rng.pick(c.organ.units).name}，联系人：${personName(c.rng)}，联系电话：${phone(c.rng)}。`,
  (c) =>
    `${c.year}年${c.month}月${c.day}日，${c.organName}召开${c.subject.phrase}工作推进会，会议由${c.rng.pick(ROLES)}${personName(c.rng)}主持。`,
];

/** Sentences of the body: any of them fits any document. */
const BODY_SENTENCES: readonly ((c: Ctx) => string)[] = [
  (c) =>
    `截至${c.year}年${c.rng.int(1, 12)}月底，全${c.place.level}已完成${c.subject.phrase}项目${c.rng.int(2, 120)}个，累计投入资金${amount(c.rng, 5000)}万元，惠及群众${c.rng.int(300, 90000)}人。`,
  (c) =>
    `各单位要高度重视${c.subject.phrase}工作，成立由主要负责人任组长的工作领导小组，明确责任分工，确保各项任务落到实处。`,
  (c) =>
    `${c.town}作为试点，涉及${c.rng.int(3, 28)}个行政村、${c.rng.int(120, 6800)}户农户，计划于${c.year}年${c.rng.int(3, 12)}月底前全面完成。`,
  (c) => `本次检查共抽查${c.rng.int(5, 80)}家单位，发现问题${c.rng.int(1, 60)}个，已当场反馈并督促整改到位。`,
  (c) => `所需经费${amount(c.rng, 800)}万元，由${c.place.level}财政统筹安排，专款专用，不得挤占挪用。`,
  (c) =>
    `${c.year}年${c.rng.int(1, 12)}月，${c.organ.upper}对我${c.place.level}${c.subject.phrase}工作进行了专项督查，给予充分肯定。`,
  (c) => `下一步，我们将继续加大${c.subject.phrase}工作力度，完善长效管理机制，推动工作再上新台阶。`,
  () => '对工作不力、进度滞后的单位，将予以通报批评，并纳入年度目标责任制考核。',
  (c) =>
    `全${c.place.level}共设立${c.subject.phrase}服务点${c.rng.int(3, 60)}个，配备专（兼）职工作人员${c.rng.int(5, 300)}名，全年受理相关事项${c.rng.int(100, 20000)}件。`,
  (c) =>
    `${c.town}${c.rng.pick(['东坞村', '西溪村', '上塘村', '新丰村', '南山村', '白沙村', '前进村', '红星村', '桥头村', '大坑村'])}等${c.rng.int(2, 9)}个村被列为${c.year}年度${c.subject.phrase}重点村。`,
  (c) => `附件：${c.year}年${c.subject.phrase}工作情况统计表`,
];

function opening(c: Ctx, kind: DocKind, titleNames: readonly string[]): string[] {
  const lvl = c.place.level;
  const gov = `${c.place.name}人民政府`;
  switch (kind) {
    case '通知':
    case '意见':
      return [
        `各乡镇人民政府、街道办事处，${lvl}级各有关单位：`,
        `为进一步做好${c.subject.phrase}工作，根据${c.organ.upper}有关文件精神，结合我${lvl}实际，现将有关事项通知如下。`,
      ];
    case '请示':
      return [
        `${gov}：`,
        `${c.town}${c.subject.phrase}项目计划总投资${amount(c.rng, 3000)}万元，目前前期工作已基本完成，资金缺口较大。为确保项目顺利实施，特申请${lvl}级财政补助资金${amount(c.rng, 500)}万元。`,
        '妥否，请批示。',
      ];
    case '报告':
      return [`${gov}：`, `现将${c.year}年${c.town}${c.subject.phrase}工作情况报告如下。`];
    case '批复':
      return [
        `${c.town}人民政府（办事处）：`,
        `你单位关于${c.subject.phrase}项目的请示收悉。经研究，同意实施，项目总投资${amount(c.rng, 3000)}万元，其中${lvl}级补助${amount(c.rng, 800)}万元，其余由你单位自筹解决。`,
      ];
    case '函':
      return [
        `${gov}各有关部门：`,
        `为做好${c.subject.phrase}工作，现商请贵单位予以协助，并于${c.month}月${c.day}日前反馈意见。`,
      ];
    case '总结':
      return [
        `${c.year}年，${c.organName}紧紧围绕${lvl}委、${lvl}政府中心工作，扎实推进${c.subject.phrase}工作，取得了新的进展。现将有关情况总结如下。`,
      ];
    case '纪要': {
      const [host = '', ...others] = personNames(c.rng, c.rng.int(2, 4));
      return [
        `${c.year}年${c.month}月${c.day}日，${c.rng.pick(ROLES)}${host}在${lvl}行政中心${c.rng.int(1, 9)}${c.rng.int(0, 2)}${c.rng.int(1, 9)}会议室主持召开${c.subject.phrase}专题会议，${others.join('、')}等参加会议。`,
        `会议听取了${c.organName}关于${c.subject.phrase}工作情况的汇报，研究部署了下一阶段工作。现纪要如下：`,
      ];
    }
    case '决定': {
      const names = [...new Set([...titleNames, ...personNames(c.rng, c.rng.int(3, 6))])];
      return [
        `${c.year}年度，全${lvl}${c.subject.phrase}工作取得显著成效，涌现出一批先进集体和先进个人。`,
        `经研究，决定对${names.join('、')}等同志予以通报表彰。`,
      ];
    }
    case '任免': {
      const names = [...new Set([...titleNames, ...personNames(c.rng, c.rng.int(0, 2))])];
      const units = c.organ.units.map((u) => u.name);
      return [
        `经${c.organName}党组研究决定：`,
        ...names.map((n) => `${n}同志任${c.rng.pick(units)}${c.rng.pick(['科长', '副科长', '主任', '副主任'])}；`),
      ];
    }
    case '讲话':
      return [`同志们：今天我们召开全${lvl}${c.subject.phrase}工作会议，主要任务是总结工作、分析形势、部署任务。`];
    case '科技':
      return [
        `本工程位于${c.place.name}${c.town}，建设单位为${c.organName}，工程总投资${amount(c.rng, 9000)}万元，于${c.year}年${c.month}月开工。`,
      ];
    case '会计':
      return [
        `本册为${c.organName}${c.year}年${c.month}月会计档案，共${c.rng.int(20, 400)}张，金额合计${c.rng.int(1000, 9999999)}.${c.rng.int(10, 99)}元${c.rng.chance(0.3) ? `，会计主管${personName(c.rng)}` : ''}。`,
      ];
    case '声像':
      return [
        `${c.year}年${c.month}月${c.day}日摄于${c.town}，内容为${c.organName}开展${c.subject.phrase}工作的现场情况。`,
      ];
  }
}

/** How many body sentences follow the opening: none for personnel, accounting and photo records. */
const BODY_SENTENCE_RANGE: Readonly<Partial<Record<DocKind, readonly [number, number]>>> = {
  任免: [0, 0],
  会计: [0, 0],
  声像: [0, 1],
  科技: [0, 2],
  讲话: [2, 6],
};

function buildText(c: Ctx, spec: TitleSpec): string {
  const paragraphs: string[] = [opening(c, spec.kind, spec.names).join('')];
  const [lo, hi] = BODY_SENTENCE_RANGE[spec.kind] ?? [1, 6];
  const sentences = c.rng.sample(BODY_SENTENCES, c.rng.int(lo, hi));
  // A person is named in about one body in six: names are a sprinkling, not in every document.
  if (hi > 0 && c.rng.chance(0.15)) sentences.push(c.rng.pick(NAMING_SENTENCES));
  let current = '';
  for (const sentence of sentences) {
    current += sentence(c);
    if (c.rng.chance(0.4)) {
      paragraphs.push(current);
      current = '';
    }
  }
  if (current) paragraphs.push(current);
  paragraphs.push(`${c.organName}\n${c.year}年${c.month}月${c.day}日`);
  return dedupeWork(paragraphs.join('\n'));
}

// --- Entries ------------------------------------------------------------------

function organFullName(place: Place, o: Organ): string {
  return o.fonds === 'J009' ? `杭州市生态环境局${place.base}分局` : `${place.name}${o.name}`;
}

/** The catalog covers the 年度 1995–2025. */
export const FIRST_YEAR = 1995;
export const LAST_YEAR = 2025;

function pickYear(rng: Rng): number {
  // More recent years hold more records (more organs, more paper).
  const span = LAST_YEAR - FIRST_YEAR + 1;
  return FIRST_YEAR + Math.min(span - 1, Math.floor(span * Math.pow(rng.next(), 0.7)));
}

/** Subjects by organ and year (a subject never appears before it existed), computed once per organ and year. */
const subjectCache = new Map<Organ | null, Subject[][]>();

function subjectsFor(o: Organ | null, year: number): Subject[] {
  let byYear = subjectCache.get(o);
  if (!byYear) {
    byYear = [];
    subjectCache.set(o, byYear);
  }
  let list = byYear[year - FIRST_YEAR];
  if (!list) {
    list = (o ? o.subjects : GENERIC_SUBJECTS).filter((s) => s.from <= year && s.to >= year);
    byYear[year - FIRST_YEAR] = list;
  }
  return list;
}

/** Three in four documents are about the organ's own business, the rest about what every organ does. */
function pickSubject(rng: Rng, o: Organ, category: Category, year: number): Subject {
  if (category === 'KJ') return parseSubject(rng.pick(o.projects));
  const own = subjectsFor(o, year);
  return own.length > 0 && rng.chance(0.75) ? rng.pick(own) : rng.pick(subjectsFor(null, year));
}

type Category = 'WS' | 'KJ' | 'KU' | 'SX';

interface Counters {
  readonly docNumbers: Map<string, number>;
  readonly items: Map<string, number>;
}

function nextCounter(map: Map<string, number>, key: string, step: number): number {
  const n = (map.get(key) ?? 0) + step;
  map.set(key, n);
  return n;
}

function titleFor(category: Category, c: Ctx): TitleSpec {
  switch (category) {
    case 'KJ':
      return kjTitle(c);
    case 'KU':
      return kuTitle(c);
    case 'SX':
      return sxTitle(c);
    case 'WS':
      return c.rng.weighted(WS_TEMPLATES)(c);
  }
}

function unitFor(category: Category, kind: DocKind, o: Organ, rng: Rng): Unit {
  if (category === 'KU') return COMMON_UNITS[2]!;
  if (kind === '任免') return COMMON_UNITS[1]!;
  if (category === 'SX' || kind === '纪要' || kind === '讲话') return COMMON_UNITS[0]!;
  return rng.chance(0.25) ? rng.pick(COMMON_UNITS) : rng.pick(o.units.slice(COMMON_UNITS.length));
}

/** 责任者: the organ; sometimes jointly with another organ, a company (科技) or the photographer (声像). */
function responsibleFor(c: Ctx, spec: TitleSpec, category: Category): string {
  if (spec.kind === '讲话') return spec.names[0]!;
  const parties = [c.organName];
  if (c.partner) parties.push(organFullName(c.place, c.partner));
  if (category === 'KJ' && c.rng.chance(0.5)) parties.push(c.rng.pick(COMPANIES));
  if (category === 'SX') parties.push(personName(c.rng));
  return parties.join('；');
}

function keywordsFor(c: Ctx, spec: TitleSpec): string {
  if (spec.kind === '任免') return '干部任免；人事';
  if (spec.kind === '会计') return `会计档案；${c.year}年度`;
  const long = c.subject.words.filter((w) => w.length >= 2);
  const words = long.length > 0 ? long : [c.subject.phrase];
  const terms = new Set<string>([c.rng.chance(0.5) ? c.subject.phrase : c.rng.pick(words)]);
  if (words.length > 1 && c.rng.chance(0.6)) terms.add(c.rng.pick(words));
  terms.add(spec.kind === '科技' ? '工程' : spec.kind);
  if (c.rng.chance(0.3) || terms.size < 2) terms.add(c.town);
  return [...terms].slice(0, 4).join('；');
}

function openStatusFor(rng: Rng, kind: DocKind): 'open' | 'controlled' {
  // Personnel and accounting records are usually kept under control (personal data, finance).
  const pControlled = kind === '任免' || kind === '决定' ? 0.7 : kind === '会计' ? 0.45 : 0.2;
  return rng.chance(pControlled) ? 'controlled' : 'open';
}

export function generateCatalog(options: { count: number; seed: number }): GeneratedEntry[] {
  const rng = new Rng(options.seed);
  const place = rng.pick(PLACES);
  const counters: Counters = { docNumbers: new Map(), items: new Map() };
  const organWeights = ORGANS.map((o) => [o.weight, o] as const);
  const entries: GeneratedEntry[] = [];
  for (let i = 1; i <= options.count; i++) {
    entries.push(generateEntry(rng, place, organWeights, counters, i));
  }
  return entries;
}

const OTHER_ORGANS: ReadonlyMap<Organ, readonly Organ[]> = new Map(
  ORGANS.map((o) => [o, ORGANS.filter((p) => p !== o)]),
);

function generateEntry(
  rng: Rng,
  place: Place,
  organWeights: readonly (readonly [number, Organ])[],
  counters: Counters,
  index: number,
): GeneratedEntry {
  const o = rng.weighted(organWeights);
  const year = pickYear(rng);
  const month = rng.int(1, 12);
  const day = rng.int(1, daysIn(year, month));
  let category = rng.weighted<Category>([
    [82, 'WS'],
    [8, 'KJ'],
    [6, 'KU'],
    [4, 'SX'],
  ]);
  if (category === 'KJ' && o.projects.length === 0) category = 'WS';
  const joint = category === 'WS' && rng.chance(0.04);
  const partner = joint ? rng.pick(OTHER_ORGANS.get(o)!) : null;
  const c: Ctx = {
    rng,
    place,
    organ: o,
    year,
    month,
    day,
    subject: pickSubject(rng, o, category, year),
    town: rng.pick(place.towns),
    organName: organFullName(place, o),
    partner,
  };
  const spec = titleFor(category, c);
  const retention = rng.weighted(RETENTION_BY_KIND[spec.kind]);
  const unit = unitFor(category, spec.kind, o, rng);
  const group = `${o.fonds}-${category}·${year}-${retention}-${unit.code}`;
  const itemNumber = String(nextCounter(counters.items, group, 1)).padStart(4, '0');
  const docType = DOC_NUMBER_TYPE[spec.kind];
  const documentNumber =
    docType === null
      ? undefined
      : `${place.short}${o.abbr}${docType}〔${year}〕${nextCounter(counters.docNumbers, `${o.fonds}${docType}${year}`, rng.int(1, 3))}号`;
  const openStatus = openStatusFor(rng, spec.kind);
  const pages =
    category === 'KU' ? rng.int(15, 60) : category === 'KJ' ? rng.int(4, 60) : rng.int(1, rng.chance(0.8) ? 12 : 40);
  const notes = rng.chance(0.08) ? rng.pick(NOTES) : '';
  return {
    key: `E${String(index).padStart(6, '0')}`,
    unitCode: `${place.areaCode}${o.fonds.slice(1)}`,
    archivalCode: `${group}-${itemNumber}`,
    fonds: o.fonds,
    category,
    year,
    itemNumber,
    title: spec.title,
    responsible: responsibleFor(c, spec, category),
    date: ymd(year, month, day),
    ...(documentNumber ? { documentNumber } : {}),
    orgOrIssue: unit.name,
    retention: RETENTION_NAMES[retention],
    classification: openStatus === 'open' ? '公开' : rng.chance(0.9) ? '内部' : '公开',
    pages,
    keywords: keywordsFor(c, spec),
    notes,
    openStatus,
    text: buildText(c, spec),
  };
}
