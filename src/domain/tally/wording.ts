/**
 * Plain words for owners: what a matter needs (before the vote) and what the result means
 * (after it), in Chinese and English, citing Civil Code art. 278.
 *
 * The wording follows the statute's two axes — exclusive area (专有部分面积) and headcount
 * (人数) — and its two words for thresholds: "以上" (at least, ≥) and "过半数" (more than
 * half, >), so the text an owner reads says exactly what {@link tally} computed.
 */

import { isQualifiedMajority, type Category, type Outcome } from './tally.ts';

export type Lang = 'zh' | 'en';

type LegalCategory = Exclude<Category, 'consultation'>;

/** The nine matters of art. 278 (rules.md §1), in the statute's words. */
export const CATEGORY_NAMES: Readonly<Record<Lang, Readonly<Record<LegalCategory, string>>>> = {
  zh: {
    1: '制定和修改业主大会议事规则',
    2: '制定和修改管理规约',
    3: '选举业主委员会或者更换业主委员会成员',
    4: '选聘和解聘物业服务企业或者其他管理人',
    5: '使用建筑物及其附属设施的维修资金',
    6: '筹集建筑物及其附属设施的维修资金',
    7: '改建、重建建筑物及其附属设施',
    8: '改变共有部分的用途或者利用共有部分从事经营活动',
    9: '有关共有和共同管理权利的其他重大事项',
  },
  en: {
    1: 'adopting or amending the procedural rules of the owners’ assembly',
    2: 'adopting or amending the management covenant',
    3: 'electing the owners’ committee or replacing its members',
    4: 'hiring or dismissing the property service company or another manager',
    5: 'using the maintenance fund of the buildings and their facilities',
    6: 'raising the maintenance fund of the buildings and their facilities',
    7: 'rebuilding or renovating the buildings and their facilities',
    8: 'changing the use of common parts, or using common parts for business',
    9: 'other major matters of common ownership and joint management',
  },
};

/** Name of a consultation (意见征询), which is not one of the nine. */
export const CONSULTATION_NAME: Readonly<Record<Lang, string>> = {
  zh: '意见征询（不具法律约束力）',
  en: 'consultation (not binding)',
};

const ZH_NUMERALS = ['', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/** "第七项" / "item 7": the item of art. 278 a category is. */
export function itemText(category: LegalCategory, lang: Lang): string {
  return lang === 'zh' ? `第${ZH_NUMERALS[category]}项` : `item ${category}`;
}

/** The name of a category, e.g. "第七项 改建、重建建筑物及其附属设施". */
export function categoryText(category: Category, lang: Lang): string {
  if (category === 'consultation') return CONSULTATION_NAME[lang];
  return lang === 'zh'
    ? `${itemText(category, lang)} ${CATEGORY_NAMES.zh[category]}`
    : `${CATEGORY_NAMES.en[category]} (${itemText(category, lang)})`;
}

/**
 * What a matter needs, in words for owners. For category 7 in Chinese:
 * "需专有部分面积和人数均达三分之二以上的业主参与表决，且参与表决的面积和人数均达四分之三以上同意".
 */
export function thresholdText(category: Category, lang: Lang): string {
  if (category === 'consultation') {
    return lang === 'zh'
      ? '意见征询不具法律约束力，没有法定的参与和同意门槛；参与者的专有部分面积和人数均过半数赞成即为多数意见'
      : 'A consultation is not binding and has no legal turnout or approval threshold; it shows a majority view when more than half of the participating area and more than half of the participating owners agree';
  }
  const qualified = isQualifiedMajority(category);
  if (lang === 'zh') {
    const turnout = '需专有部分面积和人数均达三分之二以上的业主参与表决';
    return qualified
      ? `${turnout}，且参与表决的面积和人数均达四分之三以上同意`
      : `${turnout}，且参与表决的面积和人数均过半数同意`;
  }
  const turnout =
    'Owners holding at least two thirds of the exclusive area and at least two thirds of the headcount must take part';
  return qualified
    ? `${turnout}, and at least three quarters of the participating area and of the participating owners must agree`
    : `${turnout}, and more than half of the participating area and more than half of the participating owners must agree`;
}

/** The parts of a result the verdict depends on; a {@link TallyResult} is one. */
export interface VerdictInput {
  outcome: Outcome;
  /** The adopted option of an option matter (null or absent for a yes/no matter). */
  adopted?: string | null;
  /** Present (non-null) for an option matter, so a rejection can say "no option". */
  options?: readonly unknown[] | null;
}

/**
 * The verdict in legal words, e.g.
 * "通过：参与表决专有部分面积与人数均达四分之三（民法典第278条，第七项）",
 * "未形成决定：参与表决的专有部分面积或人数未达三分之二（民法典第278条）".
 */
export function verdictText(result: VerdictInput, category: Category, lang: Lang): string {
  const isOptions = result.options != null || result.adopted != null;
  if (category === 'consultation') return consultationVerdict(result, isOptions, lang);

  if (result.outcome === 'not_decided') {
    return lang === 'zh'
      ? '未形成决定：参与表决的专有部分面积或人数未达三分之二（民法典第278条）'
      : 'Not decided: owners taking part held less than two thirds of the exclusive area or of the headcount (Civil Code art. 278)';
  }
  const qualified = isQualifiedMajority(category);
  const cite =
    lang === 'zh' ? `（民法典第278条，${itemText(category, 'zh')}）` : ` (Civil Code art. 278, ${itemText(category, 'en')})`;

  if (lang === 'zh') {
    // The wording the issue gives for a passed matter: "通过：参与表决专有部分面积与人数均达四分之三（民法典第278条，第七项）".
    const bar = qualified ? '均达四分之三' : '均过半数';
    if (result.outcome === 'passed') {
      return isOptions && result.adopted != null
        ? `通过：方案“${result.adopted}”获参与表决专有部分面积与人数${bar}同意${cite}`
        : `通过：参与表决专有部分面积与人数${bar}${cite}`;
    }
    if (isOptions) return `未通过：没有方案获参与表决专有部分面积与人数${bar}同意${cite}`;
    return qualified
      ? `未通过：同意的专有部分面积或人数未达参与表决的四分之三${cite}`
      : `未通过：同意的专有部分面积或人数未过参与表决的半数${cite}`;
  }

  const bar = qualified
    ? 'at least three quarters of the participating exclusive area and of the participating owners'
    : 'more than half of the participating exclusive area and more than half of the participating owners';
  if (result.outcome === 'passed') {
    return isOptions && result.adopted != null
      ? `Passed: option “${result.adopted}” was chosen by ${bar}${cite}`
      : `Passed: ${bar} agreed${cite}`;
  }
  if (isOptions) return `Rejected: no option was chosen by ${bar}${cite}`;
  return qualified
    ? `Rejected: the owners agreeing held less than three quarters of the participating area or headcount${cite}`
    : `Rejected: the owners agreeing held no more than half of the participating area or headcount${cite}`;
}

function consultationVerdict(result: VerdictInput, isOptions: boolean, lang: Lang): string {
  const note = lang === 'zh' ? '（意见征询，不具法律约束力）' : ' (consultation, not binding)';
  if (result.outcome === 'not_decided') {
    return lang === 'zh' ? `无结果：没有可参与征询的业主${note}` : `No result: nobody could take part${note}`;
  }
  if (result.outcome === 'passed') {
    if (lang === 'zh') {
      return isOptions && result.adopted != null
        ? `多数意见：方案“${result.adopted}”获参与者面积与人数均过半数支持${note}`
        : `多数赞成：参与者专有部分面积与人数均过半数赞成${note}`;
    }
    return isOptions && result.adopted != null
      ? `Majority view: option “${result.adopted}” had more than half of the participating area and owners${note}`
      : `Majority in favour: more than half of the participating area and owners agreed${note}`;
  }
  if (lang === 'zh') {
    return isOptions
      ? `无多数意见：没有方案获参与者面积与人数均过半数支持${note}`
      : `未获多数赞成：赞成者的面积或人数未过参与者半数${note}`;
  }
  return isOptions
    ? `No majority view: no option had more than half of the participating area and owners${note}`
    : `No majority in favour: those agreeing held no more than half of the participating area or owners${note}`;
}
