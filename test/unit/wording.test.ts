import { describe, expect, it } from 'vitest';
import { LEGAL_CATEGORIES, type Category, type Outcome } from '../../src/domain/tally/tally.ts';
import { CATEGORY_NAMES, categoryText, thresholdText, verdictText, type Lang } from '../../src/domain/tally/wording.ts';

describe('category names', () => {
  it('all nine matters have Chinese and English names', () => {
    for (const c of LEGAL_CATEGORIES) {
      expect(CATEGORY_NAMES.zh[c]).toMatch(/\p{Script=Han}/u);
      expect(CATEGORY_NAMES.en[c]).toMatch(/^[a-z]/);
    }
    expect(categoryText(7, 'zh')).toBe('第七项 改建、重建建筑物及其附属设施');
    expect(categoryText(4, 'en')).toContain('item 4');
    expect(categoryText('consultation', 'zh')).toContain('意见征询');
  });
});

describe('thresholdText', () => {
  it('cat. 7 in Chinese: 2/3 take part, 3/4 of participants agree', () => {
    expect(thresholdText(7, 'zh')).toBe(
      '需专有部分面积和人数均达三分之二以上的业主参与表决，且参与表决的面积和人数均达四分之三以上同意',
    );
  });

  it.each<[Category, Lang, RegExp]>([
    [4, 'zh', /三分之二以上[\s\S]*过半数/],
    [6, 'zh', /四分之三以上/],
    [8, 'en', /at least two thirds[\s\S]*at least three quarters/],
    [1, 'en', /more than half/],
    ['consultation', 'zh', /不具法律约束力/],
    ['consultation', 'en', /not binding/],
  ])('cat. %s (%s)', (category, lang, pattern) => {
    expect(thresholdText(category, lang)).toMatch(pattern);
  });
});

describe('verdictText', () => {
  it.each<[Outcome, Category, Lang, string]>([
    ['passed', 7, 'zh', '通过：参与表决专有部分面积与人数均达四分之三（民法典第278条，第七项）'],
    ['passed', 4, 'zh', '通过：参与表决专有部分面积与人数均过半数（民法典第278条，第四项）'],
    ['rejected', 7, 'zh', '未通过：同意的专有部分面积或人数未达参与表决的四分之三（民法典第278条，第七项）'],
    ['rejected', 4, 'zh', '未通过：同意的专有部分面积或人数未过参与表决的半数（民法典第278条，第四项）'],
    ['not_decided', 7, 'zh', '未形成决定：参与表决的专有部分面积或人数未达三分之二（民法典第278条）'],
    ['passed', 7, 'en', 'Passed: at least three quarters of the participating exclusive area and of the participating owners agreed (Civil Code art. 278, item 7)'],
    ['rejected', 4, 'en', 'Rejected: the owners agreeing held no more than half of the participating area or headcount (Civil Code art. 278, item 4)'],
    ['not_decided', 4, 'en', 'Not decided: owners taking part held less than two thirds of the exclusive area or of the headcount (Civil Code art. 278)'],
  ])('%s, cat. %s (%s)', (outcome, category, lang, text) => {
    expect(verdictText({ outcome }, category, lang)).toBe(text);
  });

  it('cat. 7 verdicts name item 7 and three quarters', () => {
    for (const outcome of ['passed', 'rejected'] as const) {
      expect(verdictText({ outcome }, 7, 'zh')).toContain('第七项');
      expect(verdictText({ outcome }, 7, 'zh')).toContain('四分之三');
    }
  });

  it('option matters name the adopted option, or say none was chosen', () => {
    expect(verdictText({ outcome: 'passed', adopted: 'grey', options: [] }, 7, 'zh')).toContain('方案“grey”');
    expect(verdictText({ outcome: 'passed', adopted: 'grey', options: [] }, 7, 'en')).toContain('option “grey”');
    expect(verdictText({ outcome: 'rejected', adopted: null, options: [] }, 7, 'zh')).toMatch(/^未通过：没有方案/);
    expect(verdictText({ outcome: 'rejected', adopted: null, options: [] }, 5, 'en')).toMatch(/^Rejected: no option/);
  });

  it('a consultation verdict is a majority view and says it does not bind', () => {
    expect(verdictText({ outcome: 'passed' }, 'consultation', 'zh')).toMatch(/^多数赞成.*不具法律约束力/);
    expect(verdictText({ outcome: 'rejected' }, 'consultation', 'en')).toMatch(/^No majority in favour.*not binding/);
    expect(verdictText({ outcome: 'passed', adopted: 'A', options: [] }, 'consultation', 'en')).toContain('option “A”');
    expect(verdictText({ outcome: 'not_decided' }, 'consultation', 'zh')).toContain('意见征询');
  });
});
