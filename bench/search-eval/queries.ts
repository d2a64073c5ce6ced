/**
 * Labelled queries for the search evaluation, made from a generated catalog.
 *
 * Every label is computed by brute force over all entries with the rule
 * stated for its kind (below), never by running a search engine, so the
 * labels are right by construction: a query's `relevant` list is exactly the
 * set of entries the rule selects. Only queries with 1–10 relevant entries are
 * kept, so at k = 10 a perfect search can reach precision and recall 1.
 *
 * The searchable text of an entry is its title, archivalCode, responsible,
 * documentNumber, keywords, orgOrIssue, notes and full text, each normalised
 * with normalizeForLabels (NFKC, lower case) and joined with a control
 * character no query contains, so a match never spans two fields.
 */
import {
  deriveSeed,
  FIRST_YEAR,
  LAST_YEAR,
  PERSON_NAMES,
  Rng,
  TITLE_VOCABULARY,
  type GeneratedEntry,
} from './catalog-generator.js';

export type QueryKind =
  | 'title-exact'
  | 'title-partial'
  | 'title-words'
  | 'typo'
  | 'traditional'
  | 'code-fragment'
  | 'responsible'
  | 'doc-number'
  | 'field'
  | 'filtered'
  | 'full-text';

export const QUERY_KINDS: readonly QueryKind[] = [
  'title-exact',
  'title-partial',
  'title-words',
  'typo',
  'traditional',
  'code-fragment',
  'responsible',
  'doc-number',
  'field',
  'filtered',
  'full-text',
];

export interface QueryFilters {
  readonly fonds?: string;
  readonly yearFrom?: number;
  readonly yearTo?: number;
  readonly retention?: string;
  readonly category?: string;
  readonly openStatus?: 'open' | 'controlled';
}

export interface LabelledQuery {
  readonly id: string; // "Q001" …
  readonly kind: QueryKind;
  readonly query: string; // as a person types it: no spaces between Chinese words
  readonly filters?: QueryFilters;
  readonly relevant: readonly string[]; // keys of the relevant entries (non-empty)
  readonly note: string; // how the query was made, for humans reading failures
}

/** The normalisation the relevance rules use: NFKC, lower-case. (Simplified/traditional equivalence is handled by generating traditional queries from simplified text; see below.) */
export function normalizeForLabels(s: string): string {
  return s.normalize('NFKC').toLowerCase();
}

/** Most relevant entries a query may have: k = 10, so a perfect search can find them all. */
export const MAX_RELEVANT = 10;

// ---------------------------------------------------------------------------
// Character tables

/**
 * Simplified → traditional (Taiwan standard) for every character of the
 * generator's title vocabulary and personal names whose traditional form
 * differs. Checked against OpenCC in the tests.
 */
export const TRADITIONAL: ReadonlyMap<string, string> = new Map(
  (
    '专專 业業 两兩 严嚴 个個 临臨 丽麗 举舉 义義 乡鄉 争爭 产產 仓倉 仪儀 价價 优優 会會 伟偉 传傳 伤傷 体體 债債 偿償 储儲 儿兒 党黨 兰蘭 关關 兴興 养養 内內 军軍 农農 ' +
    '冯馮 决決 况況 准準 凉涼 凤鳳 凭憑 凯凱 划劃 刘劉 则則 刚剛 创創 办辦 务務 动動 劳勞 区區 医醫 华華 协協 单單 卢盧 卫衛 厅廳 县縣 双雙 发發 号號 吕呂 启啟 吴吳 员員 ' +
    '响響 园園 国國 图圖 场場 处處 备備 头頭 奖獎 妇婦 孙孫 学學 实實 审審 对對 导導 寿壽 届屆 岗崗 岛島 岭嶺 师師 庐廬 库庫 应應 废廢 开開 张張 强強 归歸 录錄 径徑 态態 ' +
    '总總 户戶 执執 扩擴 抚撫 抢搶 护護 报報 拥擁 换換 据據 数數 无無 旧舊 时時 晓曉 暂暫 术術 机機 权權 杨楊 构構 枫楓 标標 树樹 档檔 桥橋 检檢 楼樓 横橫 残殘 殡殯 毕畢 ' +
    '气氣 汤湯 泽澤 测測 济濟 涛濤 潜潛 灾災 点點 爱愛 献獻 环環 现現 珑瓏 瑶瑤 电電 疗療 监監 矿礦 础礎 确確 种種 称稱 税稅 窑窯 筑築 类類 粮糧 纠糾 红紅 约約 级級 纪紀 ' +
    '组組 细細 织織 经經 结結 绘繪 统統 继繼 绩績 续續 维維 综綜 编編 网網 罗羅 职職 艳豔 节節 苏蘇 荣榮 营營 蒋蔣 补補 见見 规規 计計 认認 训訓 议議 记記 讲講 许許 设設 ' +
    '访訪 证證 评評 诚誠 话話 请請 课課 调調 谢謝 谭譚 财財 责責 贤賢 账賬 质質 购購 贴貼 费費 贺賀 贾賈 资資 赵趙 车車 转轉 辉輝 达達 迁遷 运運 进進 选選 邓鄧 邹鄒 郑鄭 ' +
    '采採 钦欽 钱錢 铭銘 银銀 锦錦 镇鎮 长長 门門 问問 闲閒 间間 阅閱 阳陽 际際 陆陸 陈陳 险險 难難 静靜 韦韋 韩韓 项項 顾顧 预預 领領 颖穎 题題 风風 飞飛 饮飲 馆館 马馬 ' +
    '验驗 鸟鳥 鸣鳴 鸬鸕 鹏鵬 黄黃 龙龍 龚龔'
  )
    .split(' ')
    .map((pair) => [pair[0]!, pair[1]!] as const),
);

/**
 * Characters whose traditional form depends on the word (复: 批覆 / 復函, 台:
 * 防颱 / 臺, 干: 幹部 / 烘乾, 于 and 余 and 范: 於 / 餘 / 範 but unchanged as
 * surnames, …). Traditional queries avoid them rather than guess.
 */
export const AMBIGUOUS_FOR_TRADITIONAL: ReadonlySet<string> = new Set('复布干恤台签朱杰钟于范宁余叶云万后里岩污');

export function toTraditional(s: string): string {
  return [...s].map((ch) => TRADITIONAL.get(ch) ?? ch).join('');
}

/** Likely slips of a pinyin or wubi typist: homophones and look-alikes. */
const TYPO_SUBSTITUTES: ReadonlyMap<string, string> = new Map(
  (
    '保报宝 报保抱 理里李 金今进 务物误 建健件 设没社 险显验 医衣依 疗了辽 农浓 业叶页 区去曲 县现线 规归鬼 划话化 环还换 卫为位 实时石 档当挡 办半版 ' +
    '调条掉 管关馆 作做坐 资姿次 源原园 障章账 就旧救 创仓窗 补不捕 贴帖铁 育有预 校效交 教叫较 维为唯 修休秀 养样阳 老考 城成程 乡相香 居局据 民名明 ' +
    '基机及 本体奔 工公功 程成城 安案按 全权泉 饮引印 水永 防房方 汛讯训 垃拉 圾级 分份 类累泪 旧久就 小少 改该 造照 通同 请情清 示是视 告高 批比 ' +
    '意义亿 见件建 施师诗 案按岸 方放房 总综 结节洁 纪记计 要药 开升 展战占 好号 加家 强墙抢 申深 送松宋 下夏 达打 整正证 公工 年念 度渡 项向像 目木 ' +
    '治制质 测侧册 监坚 督都 检捡 查茶 生声 态太 境镜静 护户 财材才 政正 预领 购构够 收手 费废 助主住 困因 难准 学觉 经径 济挤 审申 评平 职只 称程 ' +
    '住注 房防 市是 镇真 街接 道到 村寸 林临 森深 火伙 考烤 核合 签先 约月 疫役 情请 控空 健建 康糠 庭廷 质值 量粮 织职 登灯 记纪 殡宾 葬脏 婚昏 姻因 ' +
    '残惨 疾及 救就 供共 储除 备被 堤提 河何 湖胡 库裤 除储 固故 塘唐 持待 矿旷 灾哉 害亥 耕更 宅宇 许午 编遍 制治 算蒜 执直 采彩 票漂 债责 绩积 效校 ' +
    '税说 粮良 合和 社设 茶查 桃逃 畜蓄 禽擒 殖植 污汗 染梁 壤壕 废费 危为 尾伟 气汽 排徘 数树 字子 移多 交教 馆管 抢枪 研砚 阅悦 宣喧 传转'
  )
    .split(' ')
    .map((entry) => [entry[0]!, entry.slice(1)] as const),
);

/** Fallback substitutes: common characters. */
const COMMON_CHARS =
  '的一是在不了有和人这中大为上个国我以要他时来用们生到作地出就分对成会可主年动同工也能下过子说产种面而方多定行学法所民得经十三之进着等部度家电力如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研书';

// ---------------------------------------------------------------------------
// The corpus: normalised fields, indexed once

interface Doc {
  readonly entry: GeneratedEntry;
  readonly key: string;
  readonly title: string;
  readonly code: string;
  readonly responsible: string;
  readonly searchable: string;
}

/** Joins fields; U+0001 never occurs in a query, so no match spans two fields. */
const FIELD_SEPARATOR = '\u0001';

/** The searchable text of an entry (see the module comment), normalised. */
export function searchableText(e: GeneratedEntry): string {
  return [e.title, e.archivalCode, e.responsible, e.documentNumber, e.keywords, e.orgOrIssue, e.notes, e.text]
    .map((f) => normalizeForLabels(f ?? ''))
    .join(FIELD_SEPARATOR);
}

class Corpus {
  readonly docs: readonly Doc[];

  constructor(entries: readonly GeneratedEntry[]) {
    this.docs = entries.map((entry) => ({
      entry,
      key: entry.key,
      title: normalizeForLabels(entry.title),
      code: normalizeForLabels(entry.archivalCode ?? ''),
      responsible: normalizeForLabels(entry.responsible ?? ''),
      searchable: searchableText(entry),
    }));
  }

  /**
   * Keys of the entries `matches` accepts, in entry order. Stops after
   * `limit` + 1 hits: callers only need to know "more than limit".
   */
  where(matches: (d: Doc) => boolean, limit = MAX_RELEVANT): string[] {
    const keys: string[] = [];
    for (const d of this.docs) {
      if (matches(d)) {
        keys.push(d.key);
        if (keys.length > limit) break;
      }
    }
    return keys;
  }

  /** Entries whose searchable text contains the (normalised) query. */
  containing(query: string, limit = MAX_RELEVANT): string[] {
    const q = normalizeForLabels(query);
    return this.where((d) => d.searchable.includes(q), limit);
  }

  pick(rng: Rng): Doc {
    return rng.pick(this.docs);
  }
}

const withinBounds = (keys: readonly string[]) => keys.length >= 1 && keys.length <= MAX_RELEVANT;

// ---------------------------------------------------------------------------
// Words and typed substrings

const PUNCTUATION = /[\p{P}\p{S}\s]/u;
const HAN = /\p{Script=Han}/u;

const MIN_TYPED = 6;
const MAX_TYPED = 12;

const STOP_WORDS = new Set(['关于', '的', '通知', '工作', '有关', '同志', '等', '年度', '情况']);
/** Single characters a typed phrase would not start with. */
const FUNCTION_CHARS = new Set([...'的对为于等被将由在和及与并其是了']);
const PERSON_NAME_SET: ReadonlySet<string> = new Set(PERSON_NAMES);
/** The generator's title words and the personal names it uses: enough to cut its texts into words. */
const SEGMENT_VOCABULARY: ReadonlySet<string> = new Set([...TITLE_VOCABULARY, ...PERSON_NAMES]);
const LONGEST_WORD = Math.max(...[...SEGMENT_VOCABULARY].map((w) => w.length));

/**
 * Splits text into words by forward maximum matching against the
 * generator's vocabulary and names; a number (with a following 年 or 年度:
 * a year) is one word, anything else a single character.
 */
export function segmentWords(text: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    let word = '';
    for (let len = Math.min(LONGEST_WORD, text.length - i); len >= 2; len--) {
      const candidate = text.slice(i, i + len);
      if (SEGMENT_VOCABULARY.has(candidate)) {
        word = candidate;
        break;
      }
    }
    if (!word) word = /^[0-9.]+(年度|年)?/.exec(text.slice(i))?.[0] ?? text[i]!;
    words.push(word);
    i += word.length;
  }
  return words;
}

/**
 * A random run of whole words of 6–12 characters, as a person would type it:
 * no punctuation in it (nobody types 《》 or （）), neither a word nor a
 * number cut in two, at least half Chinese characters, starting with one or
 * with a year and ending with one; not starting with 关于 or a function
 * character, not ending with 的 or 的通知 (the boilerplate of most titles).
 */
function typedRun(rng: Rng, text: string): string | null {
  const words = segmentWords(text);
  const runs: string[] = [];
  for (let i = 0; i < words.length; i++) {
    if (FUNCTION_CHARS.has(words[i]!)) continue;
    let run = '';
    for (let j = i; j < words.length && !PUNCTUATION.test(words[j]!); j++) {
      run += words[j]!;
      if (run.length > MAX_TYPED) break;
      if (run.length >= MIN_TYPED && isTypedRun(run)) runs.push(run);
    }
  }
  return runs.length > 0 ? rng.pick(runs) : null;
}

/** Mostly words, not mostly numbers (so not a bare date), and none of the boilerplate ends. */
function isTypedRun(run: string): boolean {
  const han = [...run].filter((ch) => HAN.test(ch)).length;
  return (
    han >= run.length / 2 &&
    (HAN.test(run[0]!) || /^\d{4}年/.test(run)) &&
    HAN.test(run[run.length - 1]!) &&
    !run.startsWith('关于') &&
    !run.endsWith('的') &&
    !run.endsWith('的通知')
  );
}

/** A typed run from the title (title-partial, typo, traditional, 题名 field queries). */
const titleSubstring = (rng: Rng, title: string) => typedRun(rng, title);

/** A typed run from one line of the full text (full-text queries). */
function textSubstring(rng: Rng, text: string): string | null {
  const lines = text.split('\n').filter((line) => line.length >= MIN_TYPED);
  return lines.length > 0 ? typedRun(rng, rng.pick(lines)) : null;
}

/** A title substring (as for title-partial) with 1–10 relevant entries, or null. */
function partialWithLabels(corpus: Corpus, rng: Rng, d: Doc): { sub: string; relevant: string[] } | null {
  const sub = titleSubstring(rng, d.entry.title);
  if (!sub) return null;
  const relevant = corpus.containing(sub);
  return withinBounds(relevant) ? { sub, relevant } : null;
}

/** Words worth searching for: two or more characters, not punctuation, not a stop word. */
function isContentWord(w: string): boolean {
  return w.length >= 2 && !PUNCTUATION.test(w) && !STOP_WORDS.has(w);
}

/** 2–3 content words of the title, no two adjacent in it, in title order (null when the title has too few). */
function pickSeparatedWords(rng: Rng, title: string): string[] | null {
  const segments = segmentWords(title);
  const candidates = segments.map((w, i) => [w, i] as const).filter(([w]) => isContentWord(w));
  const want = rng.int(2, 3);
  for (let attempt = 0; attempt < 10; attempt++) {
    const chosen = rng.sample(candidates, want).sort((a, b) => a[1] - b[1]);
    if (chosen.length < 2) return null;
    const separated = chosen.every(([, pos], i) => i === 0 || pos - chosen[i - 1]![1] > 1);
    const words = chosen.map(([w]) => w);
    if (separated && new Set(words).size === words.length && !title.includes(words.join(''))) return words;
  }
  return null;
}

// ---------------------------------------------------------------------------
// Query makers, one per kind. Each returns a candidate or null (try again).

interface Candidate {
  readonly query: string;
  readonly filters?: QueryFilters;
  readonly relevant: readonly string[];
  readonly note: string;
}

type Maker = (corpus: Corpus, rng: Rng) => Candidate | null;

/** title-exact: the full title; relevant = normalised title equal to it, or searchable text containing it. */
const titleExact: Maker = (corpus, rng) => {
  const d = corpus.pick(rng);
  const relevant = corpus.where((x) => x.title === d.title || x.searchable.includes(d.title));
  return withinBounds(relevant) ? { query: d.entry.title, relevant, note: `full title of ${d.key}` } : null;
};

/** title-partial: a typed run of 6–12 contiguous title characters (typedRun); relevant = searchable text contains it. */
const titlePartial: Maker = (corpus, rng) => {
  const d = corpus.pick(rng);
  const found = partialWithLabels(corpus, rng, d);
  return found && { query: found.sub, relevant: found.relevant, note: `substring of the title of ${d.key}` };
};

/** title-words: 2–3 non-adjacent title words run together; relevant = searchable text contains every word. */
const titleWords: Maker = (corpus, rng) => {
  const d = corpus.pick(rng);
  const words = pickSeparatedWords(rng, d.entry.title);
  if (!words) return null;
  const normalised = words.map(normalizeForLabels);
  const relevant = corpus.where((x) => normalised.every((w) => x.searchable.includes(w)));
  if (!withinBounds(relevant)) return null;
  return { query: words.join(''), relevant, note: `words=${words.join('+')} from the title of ${d.key}` };
};

/**
 * typo: a title-partial substring with one inner character replaced by a
 * homophone or look-alike, such that the typo occurs in no entry; relevant =
 * entries containing the original substring.
 */
const typo: Maker = (corpus, rng) => {
  const d = corpus.pick(rng);
  const found = partialWithLabels(corpus, rng, d);
  if (!found) return null;
  const chars = [...found.sub];
  const inner = chars
    .map((ch, i) => [ch, i] as const)
    .filter(([ch, i]) => i > 0 && i < chars.length - 1 && HAN.test(ch));
  if (inner.length === 0) return null;
  const [original, pos] = rng.pick(inner);
  const substitutes = [...(TYPO_SUBSTITUTES.get(original) ?? ''), ...rng.sample([...COMMON_CHARS], 3)];
  for (const replacement of substitutes) {
    if (replacement === original) continue;
    const typoed = [...chars.slice(0, pos), replacement, ...chars.slice(pos + 1)].join('');
    if (corpus.containing(typoed, 0).length === 0) {
      return {
        query: typoed,
        relevant: found.relevant,
        note: `original=${found.sub}; ${original}→${replacement} at ${pos}; from the title of ${d.key}`,
      };
    }
  }
  return null;
};

/** traditional: a title-partial substring with ≥ 2 characters written in traditional form; relevant = entries containing the simplified substring. */
const traditional: Maker = (corpus, rng) => {
  const d = corpus.pick(rng);
  const sub = titleSubstring(rng, d.entry.title);
  if (!sub || [...sub].some((ch) => AMBIGUOUS_FOR_TRADITIONAL.has(ch))) return null;
  if ([...sub].filter((ch) => TRADITIONAL.has(ch)).length < 2) return null;
  const relevant = corpus.containing(sub);
  if (!withinBounds(relevant)) return null;
  return { query: toTraditional(sub), relevant, note: `simplified=${sub}; from the title of ${d.key}` };
};

/**
 * Fragments of an archival code that begin at a segment boundary (start, or
 * after '-' or '·') and end at one or inside the final 件号 segment, 8–16
 * characters long.
 */
export function codeFragments(code: string): string[] {
  const starts = [0];
  const ends = new Set<number>([code.length]);
  for (let i = 0; i < code.length; i++) {
    if (code[i] === '-' || code[i] === '·') {
      starts.push(i + 1);
      ends.add(i);
    }
  }
  const lastSegment = Math.max(code.lastIndexOf('-'), code.lastIndexOf('·')) + 1;
  for (let i = lastSegment + 1; i < code.length; i++) ends.add(i);
  const fragments: string[] = [];
  for (const s of starts) {
    for (const e of ends) {
      if (e - s >= 8 && e - s <= 16) fragments.push(code.slice(s, e));
    }
  }
  return fragments.sort();
}

/** code-fragment: see codeFragments; relevant = archivalCode contains it (case-insensitive). */
const codeFragment: Maker = (corpus, rng) => {
  const d = corpus.pick(rng);
  const fragments = codeFragments(d.entry.archivalCode ?? '');
  if (fragments.length === 0) return null;
  const fragment = rng.pick(fragments);
  const q = normalizeForLabels(fragment);
  const relevant = corpus.where((x) => x.code.includes(q));
  return withinBounds(relevant) ? { query: fragment, relevant, note: `fragment of ${d.entry.archivalCode}` } : null;
};

/** responsible: a personal name the generator placed (title, 责任者 or text); relevant = searchable text contains it. */
const responsible: Maker = (corpus, rng) => {
  const d = corpus.pick(rng);
  const names = PERSON_NAMES.filter((n) => d.searchable.includes(n));
  if (names.length === 0) return null;
  const name = rng.pick(names);
  const relevant = corpus.containing(name);
  if (!withinBounds(relevant)) return null;
  const e = d.entry;
  const where = e.title.includes(name) ? '题名' : (e.responsible ?? '').includes(name) ? '责任者' : 'text';
  return { query: name, relevant, note: `personal name in the ${where} of ${d.key}` };
};

/**
 * doc-number: a full 文号, or its distinctive part (without the place
 * character and 号); relevant = searchable text contains it. A part is only
 * used when it finds the same entries as part + 号, so "…〔2019〕4" is never
 * asked when 〔2019〕41号 … 49号 exist: a person typing it means number 4.
 */
const docNumber: Maker = (corpus, rng) => {
  const d = corpus.pick(rng);
  const full = d.entry.documentNumber;
  if (!full) return null;
  const query = rng.chance(0.5) ? full : full.slice(1, -1);
  const relevant = corpus.containing(query);
  if (!withinBounds(relevant)) return null;
  if (query !== full && corpus.containing(`${query}号`).length !== relevant.length) return null;
  return { query, relevant, note: `文号 of ${d.key} (${full})` };
};

/**
 * field: "题名:" + a title substring (relevant = title contains it), or
 * "责任者:" + a person or a joint 责任者 (relevant = responsible contains it).
 */
const field: Maker = (corpus, rng) => {
  const d = corpus.pick(rng);
  if (rng.chance(0.5)) {
    const sub = titleSubstring(rng, d.entry.title);
    if (!sub) return null;
    const q = normalizeForLabels(sub);
    const relevant = corpus.where((x) => x.title.includes(q));
    return withinBounds(relevant) ? { query: `题名:${sub}`, relevant, note: `题名 substring of ${d.key}` } : null;
  }
  const parts = (d.entry.responsible ?? '').split('；');
  if (parts.length < 2 && !PERSON_NAME_SET.has(parts[0] ?? '')) return null;
  const person = parts.find((p) => PERSON_NAME_SET.has(p));
  const value = person && rng.chance(0.6) ? person : (d.entry.responsible ?? '');
  const q = normalizeForLabels(value);
  const relevant = corpus.where((x) => x.responsible.includes(q));
  return withinBounds(relevant) ? { query: `责任者:${value}`, relevant, note: `责任者 of ${d.key}` } : null;
};

/** Filter combinations, each built around one entry so the filtered set is never empty. */
const FILTER_SHAPES: readonly ((e: GeneratedEntry, rng: Rng) => QueryFilters)[] = [
  (e, rng) => ({ fonds: e.fonds, ...yearRange(e.year!, rng) }),
  (e) => ({ fonds: e.fonds, retention: e.retention }),
  (e, rng) => ({ fonds: e.fonds, category: e.category, ...yearRange(e.year!, rng) }),
  (e, rng) => ({ fonds: e.fonds, openStatus: e.openStatus, ...yearRange(e.year!, rng) }),
  (e, rng) => ({ retention: e.retention, ...yearRange(e.year!, rng) }),
];

/** 1–3 consecutive years around `year`, inside the catalog's 1995–2025. */
function yearRange(year: number, rng: Rng): { yearFrom: number; yearTo: number } {
  const span = rng.int(1, 3);
  const yearFrom = Math.min(Math.max(year - rng.int(0, span - 1), FIRST_YEAR), LAST_YEAR - span + 1);
  return { yearFrom, yearTo: yearFrom + span - 1 };
}

export function matchesFilters(e: GeneratedEntry, f: QueryFilters): boolean {
  return (
    (f.fonds === undefined || e.fonds === f.fonds) &&
    (f.yearFrom === undefined || (e.year ?? 0) >= f.yearFrom) &&
    (f.yearTo === undefined || (e.year ?? 0) <= f.yearTo) &&
    (f.retention === undefined || e.retention === f.retention) &&
    (f.category === undefined || e.category === f.category) &&
    (f.openStatus === undefined || e.openStatus === f.openStatus)
  );
}

/** Words of 2–4 characters in a title, for filtered queries. */
function shortWords(title: string): string[] {
  return segmentWords(title).filter((w) => isContentWord(w) && w.length <= 4 && HAN.test(w));
}

/**
 * filtered: a common word (in 11–200 entries' searchable text) plus filters
 * that cut it to 1–10; relevant = contains the word AND satisfies every filter.
 */
const filtered: Maker = (corpus, rng) => {
  const d = corpus.pick(rng);
  const words = shortWords(d.entry.title);
  if (words.length === 0) return null;
  const word = rng.pick(words);
  const q = normalizeForLabels(word);
  const all = corpus.where((x) => x.searchable.includes(q), 200);
  if (all.length <= MAX_RELEVANT || all.length > 200) return null;
  const filters = rng.pick(FILTER_SHAPES)(d.entry, rng);
  const relevant = corpus.where((x) => x.searchable.includes(q) && matchesFilters(x.entry, filters));
  if (!withinBounds(relevant)) return null;
  return {
    query: word,
    filters,
    relevant,
    note: `word of the title of ${d.key} (in ${all.length} entries unfiltered)`,
  };
};

/** full-text: 6–12 characters of an entry's text that are not in its title; relevant = searchable text contains them. */
const fullText: Maker = (corpus, rng) => {
  const d = corpus.pick(rng);
  const sub = textSubstring(rng, d.entry.text);
  if (!sub || d.title.includes(normalizeForLabels(sub))) return null;
  const relevant = corpus.containing(sub);
  return withinBounds(relevant) ? { query: sub, relevant, note: `substring of the text of ${d.key}` } : null;
};

const MAKERS: Readonly<Record<QueryKind, Maker>> = {
  'title-exact': titleExact,
  'title-partial': titlePartial,
  'title-words': titleWords,
  typo,
  traditional,
  'code-fragment': codeFragment,
  responsible,
  'doc-number': docNumber,
  field,
  filtered,
  'full-text': fullText,
};

// ---------------------------------------------------------------------------

/** Two queries are the same when their normalised text and filters are. */
function dedupeKey(c: Candidate): string {
  return `${normalizeForLabels(c.query)}\u0001${JSON.stringify(c.filters ?? {})}`;
}

export function generateQueries(
  entries: readonly GeneratedEntry[],
  options: { seed: number; perKind?: number },
): LabelledQuery[] {
  const perKind = options.perKind ?? 25;
  const corpus = new Corpus(entries);
  const seen = new Set<string>();
  const made: Omit<LabelledQuery, 'id'>[] = [];
  for (const kind of QUERY_KINDS) {
    // One stream per kind: changing how one kind is made leaves the others as they were.
    const rng = new Rng(deriveSeed(options.seed, kind));
    const maxAttempts = perKind * 400;
    let count = 0;
    for (let attempt = 0; attempt < maxAttempts && count < perKind; attempt++) {
      const c = MAKERS[kind](corpus, rng);
      if (!c || c.query.length < 2 || seen.has(dedupeKey(c))) continue;
      seen.add(dedupeKey(c));
      made.push({ kind, ...c });
      count++;
    }
  }
  const width = Math.max(3, String(made.length).length);
  return made.map((q, i) => ({ id: `Q${String(i + 1).padStart(width, '0')}`, ...q }));
}
