/**
 * The art. 278 tally (表决统计): one function used by the service, the offline recount CLI
 * (`scripts/recount.ts`, contract in shared/spec/recount.md) and the ledger verifier.
 *
 * Everything is integer arithmetic: areas are hundredths of m², and every threshold is a
 * comparison of products (computed in BigInt, so no sum of areas can overflow a product).
 * rules.md §1: "以上" is ≥, "过半数" is strictly >.
 */

import { formatAreaCents } from '../register/area.ts';
import { PART_KINDS, type PartKind } from '../register/rows.ts';
import type { MergeRule, Scope } from '../electorate/parties.ts';
import { resolvePart, type Electorate } from './electorate.ts';

/** Civil Code art. 278 items 1–9, or a non-binding consultation (意见征询). */
export type Category = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 'consultation';

/** The nine categories of art. 278, in order. */
export const LEGAL_CATEGORIES = [1, 2, 3, 4, 5, 6, 7, 8, 9] as const;

/** The settings a tally depends on; copied into every vote's snapshot. */
export interface TallyRules {
  category: Category;
  /** Null: the whole estate. */
  scope: Scope | null;
  merge: MergeRule;
  /** Kinds of part in the electorate. */
  countKinds: PartKind[];
  /** `final`: the first valid ballot of a party counts; `last_counts`: its last valid one. */
  revision: 'final' | 'last_counts';
  /** A verified owner's spoilt ballot: takes part without agreeing, or does not take part. */
  spoilt: 'participates' | 'excluded';
  /** `deemed_majority`: served non-voters follow the majority (reported beside the strict result). */
  nonVoters: 'strict' | 'deemed_majority';
  /** Option ids of an option matter (e.g. paint colours); null for a yes/no matter. */
  options: string[] | null;
}

/** The contract's defaults (recount.md): whole estate, identical owner sets, all kinds, … */
export const DEFAULT_TALLY_RULES: Readonly<
  Omit<TallyRules, 'category' | 'countKinds'> & { countKinds: readonly PartKind[] }
> = Object.freeze({
  scope: null,
  merge: 'identical_owner_set',
  countKinds: Object.freeze([...PART_KINDS]),
  revision: 'final',
  spoilt: 'participates',
  nonVoters: 'strict',
  options: null,
});

/**
 * Completes partial rules with the contract's defaults. The category has no default (a vote
 * must say what it decides). The result shares no array or object with its input, so it can
 * be stored in a snapshot. Values are not validated here.
 */
export function normalizeTallyRules(
  partial: Partial<TallyRules> & Pick<TallyRules, 'category'>,
): TallyRules {
  const scope = partial.scope ?? DEFAULT_TALLY_RULES.scope;
  const options = partial.options ?? DEFAULT_TALLY_RULES.options;
  return {
    category: partial.category,
    scope: scope ? { building: scope.building, entrance: scope.entrance ?? null } : null,
    merge: partial.merge ?? DEFAULT_TALLY_RULES.merge,
    countKinds: [...(partial.countKinds ?? DEFAULT_TALLY_RULES.countKinds)],
    revision: partial.revision ?? DEFAULT_TALLY_RULES.revision,
    spoilt: partial.spoilt ?? DEFAULT_TALLY_RULES.spoilt,
    nonVoters: partial.nonVoters ?? DEFAULT_TALLY_RULES.nonVoters,
    options: options ? [...options] : null,
  };
}

/**
 * Options beside the contract's rules. `proxyOverride: 'owner_wins'` (a vote's 议事规则, rules.md
 * §7): an owner's own ballot replaces a ballot their proxy holder cast, even under `final`, and a
 * proxy holder's ballot after the owner's is rejected. Absent: the first valid ballot of either
 * counts under `final`, the last under `last_counts` — the recount contract's rule.
 */
export interface TallyOptions {
  proxyOverride?: 'owner_wins' | 'first_valid';
}

/** One ballot as received. `partId` only identifies the party (any of its parts will do). */
export interface BallotInput {
  /** Order of receipt; unique. */
  seq: number;
  partId: string;
  channel: 'online' | 'paper' | 'proxy';
  choice: string;
}

/** Why a ballot was not counted; the strings are part of the recount contract. */
export const REJECTION_REASONS = {
  unknownPart: 'unknown part',
  notCounted: 'party has no counted part in scope',
  alreadyVoted: 'party already voted',
  choiceNotAllowed: 'choice not allowed',
} as const;
export type RejectionReason = (typeof REJECTION_REASONS)[keyof typeof REJECTION_REASONS];

/** The same reasons in plain Chinese, for owners and organizers. */
export const REJECTION_REASONS_ZH: Readonly<Record<RejectionReason, string>> = Object.freeze({
  'unknown part': '房屋编号不存在',
  'party has no counted part in scope': '该业主在本次表决范围内没有计入表决的专有部分',
  'party already voted': '该业主已投票，以第一张有效选票为准',
  'choice not allowed': '选项无效',
});

/** Choices of a yes/no matter. `spoilt` records a ballot a clerk could not read as a choice. */
export const YES_NO_CHOICES = ['yes', 'no', 'abstain', 'spoilt'] as const;
/** Choices allowed on every matter besides its options; option ids may not take these names. */
export const RESERVED_CHOICES = ['abstain', 'spoilt'] as const;

/**
 * Whether a choice is allowed under the rules; the live service uses this exact check so it
 * accepts what the recount counts. A yes/no matter takes `yes`, `no`, `abstain`, `spoilt`.
 * An option matter takes one of its option ids, `abstain` or `spoilt` — not `yes`/`no`
 * (unless an option is literally named so), because "yes" to which option would be unclear.
 * Matching is exact (case-sensitive, no trimming): a ballot is a record, not user input.
 */
export function checkChoice(choice: string, rules: Pick<TallyRules, 'options'>): boolean {
  if ((RESERVED_CHOICES as readonly string[]).includes(choice)) return true;
  if (rules.options) return rules.options.includes(choice);
  return choice === 'yes' || choice === 'no';
}

/** Heads and area of a group of parties. */
export interface Weight {
  parties: number;
  /** Hundredths of m². */
  areaCents: number;
}

export type Outcome = 'passed' | 'rejected' | 'not_decided';

/** The ballot that counts for a party. */
export interface CountedBallot {
  seq: number;
  partyRef: string;
  partId: string;
  channel: BallotInput['channel'];
  choice: string;
}

export interface RejectedBallot {
  seq: number;
  partId: string;
  reason: RejectionReason;
}

/**
 * Under `last_counts`, an earlier valid ballot replaced by a later one of the same party.
 * Such a ballot is not rejected (it was valid when cast; the ledger records it as
 * `ballot_superseded`), so it is listed here and not among the rejected ballots.
 */
export interface SupersededBallot {
  seq: number;
  partyRef: string;
  /** Seq of the ballot that replaced it (the next valid ballot of the party). */
  supersededBy: number;
}

/** The non-voter rule's result, reported beside the strict one. */
export interface DeemedResult {
  /** False when the cast ballots give no single majority to follow (see {@link tally}). */
  applicable: boolean;
  reason?: string;
  reasonZh?: string;
  /** When not applicable: the strict outcome, participation and yes. */
  outcome: Outcome;
  quorum: boolean;
  participation: Weight;
  yes: Weight;
  /** Served non-voting parties that were deemed to follow the majority. */
  deemedParties: Weight;
}

export interface OptionWeight extends Weight {
  id: string;
}

/** Result of {@link tally}; areas in hundredths of m². */
export interface TallyResult {
  electorate: Weight;
  /** Parties whose counted ballot takes part (spoilt ones only under `participates`). */
  participation: Weight;
  /** Yes/no matter: yes ballots. Option matter: ballots for the adopted option (zero if none). */
  yes: Weight;
  /** Yes/no matter: no ballots. Option matter: ballots for any option not adopted. */
  no: Weight;
  abstain: Weight;
  /** All counted spoilt ballots, whether or not they take part. */
  spoilt: Weight;
  quorum: boolean;
  outcome: Outcome;
  /** Option matter: support per option, in the rules' order; null for a yes/no matter. */
  options: OptionWeight[] | null;
  /** Option matter: the option that met the pass threshold; null otherwise. */
  adopted: string | null;
  /** The effective ballot of every party that voted, in seq order. */
  counted: CountedBallot[];
  /** In seq order. */
  rejected: RejectedBallot[];
  /** In seq order; empty under `final`. */
  superseded: SupersededBallot[];
  /** Null unless the rule is `deemed_majority`. */
  deemed: DeemedResult | null;
}

const big = BigInt;

/**
 * Quorum of art. 278: owners holding ≥ 2/3 of the area AND ≥ 2/3 of the heads take part,
 * i.e. `3·A_part ≥ 2·A_total && 3·N_part ≥ 2·N_total`. An empty electorate never has a
 * quorum (0 ≥ 0 would otherwise let a vote of nobody decide).
 */
export function quorumMet(participation: Weight, total: Weight): boolean {
  if (total.parties <= 0) return false;
  return (
    3n * big(participation.areaCents) >= 2n * big(total.areaCents) &&
    3n * big(participation.parties) >= 2n * big(total.parties)
  );
}

/** Categories 6–8 need three quarters of the participants; the others more than half. */
export const isQualifiedMajority = (category: Category): boolean =>
  category === 6 || category === 7 || category === 8;

/**
 * Whether `yes` meets the category's pass threshold among `participation` on both axes:
 * cat. 6–8 `4·A_yes ≥ 3·A_part && 4·N_yes ≥ 3·N_part`; all others (and a consultation's
 * majority view) `2·A_yes > A_part && 2·N_yes > N_part`. Nobody taking part never passes.
 */
export function passThresholdMet(category: Category, yes: Weight, participation: Weight): boolean {
  if (participation.parties <= 0) return false;
  if (isQualifiedMajority(category)) {
    return (
      4n * big(yes.areaCents) >= 3n * big(participation.areaCents) &&
      4n * big(yes.parties) >= 3n * big(participation.parties)
    );
  }
  return (
    2n * big(yes.areaCents) > big(participation.areaCents) &&
    2n * big(yes.parties) > big(participation.parties)
  );
}

const quorumFor = (category: Category, participation: Weight, total: Weight): boolean =>
  category === 'consultation' ? total.parties > 0 : quorumMet(participation, total);

/**
 * Outcome from turnout and support.
 *
 * A consultation has no legal threshold: its `quorum` is reported as true whenever the
 * electorate is not empty (no turnout requirement applies, so none can fail, and "quorum
 * false ⇒ not_decided" keeps holding for every matter), and `outcome` states the majority
 * view: "passed" when more than half of the participants agree on both area and heads,
 * otherwise "rejected". It binds nobody; the wording says so.
 */
function decide(category: Category, participation: Weight, yes: Weight, total: Weight) {
  const quorum = quorumFor(category, participation, total);
  if (!quorum) return { quorum, outcome: 'not_decided' as Outcome };
  return {
    quorum,
    outcome: (passThresholdMet(category, yes, participation) ? 'passed' : 'rejected') as Outcome,
  };
}

const zero = (): Weight => ({ parties: 0, areaCents: 0 });
const add = (w: Weight, areaCents: number): void => {
  w.parties += 1;
  w.areaCents += areaCents;
};
const sum = (a: Weight, b: Weight): Weight => ({
  parties: a.parties + b.parties,
  areaCents: a.areaCents + b.areaCents,
});

const DEEMED_NOT_APPLICABLE = {
  options: {
    en: 'the non-voter rule applies to yes/no matters only',
    zh: '“未投票视为同意多数”仅适用于赞成/反对类事项',
  },
  split: {
    en: 'the area majority and the headcount majority of the cast ballots point different ways',
    zh: '已投票的专有部分面积多数与人数多数意见不一致',
  },
  tie: {
    en: 'the cast yes and no ballots are tied on area or headcount, so there is no majority to follow',
    zh: '已投票中赞成与反对的面积或人数相等，不存在可随从的多数',
  },
} as const;

/**
 * Counts the ballots of one matter.
 *
 * Ballots are processed in `seq` order (the input order does not matter). A ballot is
 * rejected, with a reason, when its part is unknown to the electorate, when its party has no
 * counted part in scope, when its choice is not allowed ({@link checkChoice}), or — under
 * `final` — when its party already has a valid ballot (so a later paper ballot after an
 * online one is rejected: first valid ballot wins, rules.md §3 / T9). Under `last_counts`
 * the party's last valid ballot counts whatever its channel (recount.md names no channel
 * rule) and earlier ones are listed in `superseded`. A rejected ballot never replaces a
 * valid one.
 *
 * Spoilt ballots: `participates` — they take part and do not agree; `excluded` — they do not
 * take part. Either way the party has cast its one ballot (it is not a non-voter).
 *
 * Option matter: each option's support is compared with the category's pass threshold on
 * both axes; `adopted` is the option meeting it (with "过半数", or with ≥ 3/4 and a non-empty
 * participation, at most one option can), and `outcome` is passed / rejected / not_decided.
 *
 * Non-voter rule (`deemed_majority`, yes/no matters only): parties with no counted ballot and
 * with any part in `served` are deemed to follow the majority of the cast yes and no ballots
 * (abstentions and spoilt ballots point nowhere). When the area majority and the headcount
 * majority disagree, or either is a tie, the rule does not apply (`applicable: false` with a
 * reason, and the deemed figures equal the strict ones). The strict result is always the main
 * result; `deemed` stands beside it.
 *
 * @param served part ids on which the ballot was validly served (送达); parts unknown to the
 *   electorate are ignored.
 * @throws Error when two ballots share a seq, a seq is not a safe integer, or the options
 *   repeat an id or use `abstain`/`spoilt` (the caller validates input; this guards the
 *   invariants).
 */
export function tally(
  electorate: Electorate,
  ballots: readonly BallotInput[],
  rules: TallyRules,
  served?: ReadonlySet<string>,
  opts: TallyOptions = {},
): TallyResult {
  if (rules.options) {
    const ids = new Set(rules.options);
    if (ids.size !== rules.options.length) throw new Error('an option id appears twice');
    for (const reserved of RESERVED_CHOICES) {
      if (ids.has(reserved)) throw new Error(`"${reserved}" cannot be an option id`);
    }
  }
  const ordered = [...ballots].sort((a, b) => a.seq - b.seq);
  for (let i = 0; i < ordered.length; i++) {
    if (!Number.isSafeInteger(ordered[i].seq)) throw new Error(`ballot seq ${ordered[i].seq} is not an integer`);
    if (i > 0 && ordered[i].seq === ordered[i - 1].seq) throw new Error(`ballot seq ${ordered[i].seq} appears twice`);
  }

  const effective = new Map<string, CountedBallot>();
  const rejected: RejectedBallot[] = [];
  const superseded: SupersededBallot[] = [];
  const reject = (b: BallotInput, reason: RejectionReason) =>
    rejected.push({ seq: b.seq, partId: b.partId, reason });

  for (const b of ordered) {
    const found = resolvePart(electorate, b.partId);
    if (found.kind === 'unknown') {
      reject(b, REJECTION_REASONS.unknownPart);
      continue;
    }
    if (found.kind === 'not_counted') {
      reject(b, REJECTION_REASONS.notCounted);
      continue;
    }
    const ref = found.party.ref;
    const previous = effective.get(ref);
    // owner_wins: the owner's own ballot replaces their proxy holder's whatever the revision rule,
    // and a proxy holder's ballot never replaces the owner's.
    const ownerReplacesProxy = opts.proxyOverride === 'owner_wins' && !!previous && previous.channel === 'proxy' && b.channel !== 'proxy';
    const proxyAfterOwner = opts.proxyOverride === 'owner_wins' && !!previous && previous.channel !== 'proxy' && b.channel === 'proxy';
    if (previous && ((rules.revision === 'final' && !ownerReplacesProxy) || proxyAfterOwner)) {
      reject(b, REJECTION_REASONS.alreadyVoted);
      continue;
    }
    if (!checkChoice(b.choice, rules)) {
      reject(b, REJECTION_REASONS.choiceNotAllowed);
      continue;
    }
    if (previous) superseded.push({ seq: previous.seq, partyRef: ref, supersededBy: b.seq });
    effective.set(ref, { seq: b.seq, partyRef: ref, partId: b.partId, channel: b.channel, choice: b.choice });
  }

  const counted = [...effective.values()].sort((a, b) => a.seq - b.seq);
  const areaOf = (ref: string) => electorate.byRef.get(ref)!.areaCents;

  // One tally per allowed choice; checkChoice guarantees every counted choice has one.
  const tallies = new Map<string, Weight>();
  for (const choice of allowedChoices(rules)) tallies.set(choice, zero());
  for (const ballot of counted) add(tallies.get(ballot.choice)!, areaOf(ballot.partyRef));

  const abstain = tallies.get('abstain')!;
  const spoilt = tallies.get('spoilt')!;
  const total: Weight = { ...electorate.totals };
  const participation = zero();
  for (const ballot of counted) {
    if (ballot.choice === 'spoilt' && rules.spoilt === 'excluded') continue;
    add(participation, areaOf(ballot.partyRef));
  }
  const common = { electorate: total, participation, abstain, spoilt, counted, rejected, superseded };

  if (rules.options) {
    const options = rules.options.map((id) => ({ id, ...tallies.get(id)! }));
    const quorum = quorumFor(rules.category, participation, total);
    const winner = quorum
      ? options.find((o) => passThresholdMet(rules.category, o, participation))
      : undefined;
    const castForOptions = options.reduce<Weight>((acc, o) => sum(acc, o), zero());
    const yes = winner ? { parties: winner.parties, areaCents: winner.areaCents } : zero();
    const no = {
      parties: castForOptions.parties - yes.parties,
      areaCents: castForOptions.areaCents - yes.areaCents,
    };
    const outcome: Outcome = !quorum ? 'not_decided' : winner ? 'passed' : 'rejected';
    const deemed =
      rules.nonVoters === 'deemed_majority'
        ? notApplicable(DEEMED_NOT_APPLICABLE.options, outcome, quorum, participation, yes)
        : null;
    return { ...common, yes, no, quorum, outcome, options, adopted: winner ? winner.id : null, deemed };
  }

  const yes = tallies.get('yes')!;
  const no = tallies.get('no')!;
  const { quorum, outcome } = decide(rules.category, participation, yes, total);
  const deemed =
    rules.nonVoters === 'deemed_majority'
      ? deemedResult(electorate, effective, rules, served ?? new Set(), { participation, yes, no, quorum, outcome })
      : null;
  return { ...common, yes, no, quorum, outcome, options: null, adopted: null, deemed };
}

/** The choices a matter accepts, in a stable order (see {@link checkChoice}). */
export function allowedChoices(rules: Pick<TallyRules, 'options'>): string[] {
  return rules.options ? [...rules.options, ...RESERVED_CHOICES] : [...YES_NO_CHOICES];
}

function notApplicable(
  why: { en: string; zh: string },
  outcome: Outcome,
  quorum: boolean,
  participation: Weight,
  yes: Weight,
): DeemedResult {
  return {
    applicable: false,
    reason: why.en,
    reasonZh: why.zh,
    outcome,
    quorum,
    participation: { ...participation },
    yes: { ...yes },
    deemedParties: zero(),
  };
}

function deemedResult(
  electorate: Electorate,
  effective: ReadonlyMap<string, CountedBallot>,
  rules: TallyRules,
  served: ReadonlySet<string>,
  strict: { participation: Weight; yes: Weight; no: Weight; quorum: boolean; outcome: Outcome },
): DeemedResult {
  const { participation, yes, no } = strict;
  const areaWay = Math.sign(yes.areaCents - no.areaCents);
  const headWay = Math.sign(yes.parties - no.parties);
  if (areaWay === 0 || headWay === 0) {
    return notApplicable(DEEMED_NOT_APPLICABLE.tie, strict.outcome, strict.quorum, participation, yes);
  }
  if (areaWay !== headWay) {
    return notApplicable(DEEMED_NOT_APPLICABLE.split, strict.outcome, strict.quorum, participation, yes);
  }

  // A party is served when the ballot reached it through any of its parts (the part only
  // identifies the party, as on a ballot).
  const servedRefs = new Set<string>();
  for (const partId of served) {
    const found = resolvePart(electorate, partId);
    if (found.kind === 'party') servedRefs.add(found.party.ref);
  }
  const deemedParties = zero();
  for (const party of electorate.parties) {
    if (!effective.has(party.ref) && servedRefs.has(party.ref)) add(deemedParties, party.areaCents);
  }

  const deemedParticipation = sum(participation, deemedParties);
  const deemedYes = areaWay > 0 ? sum(yes, deemedParties) : { ...yes };
  const { quorum, outcome } = decide(rules.category, deemedParticipation, deemedYes, electorate.totals);
  return {
    applicable: true,
    outcome,
    quorum,
    participation: deemedParticipation,
    yes: deemedYes,
    deemedParties,
  };
}

/** A weight as the contract prints it: heads and an area string with two decimals. */
export interface ContractWeight {
  parties: number;
  area: string;
}

/** The effective rules as the contract names them (snake_case keys, merge rule named). */
export interface ContractRules {
  category: Category;
  scope: { building: string; entrance?: string } | null;
  merge: MergeRule;
  count_kinds: PartKind[];
  revision: TallyRules['revision'];
  spoilt: TallyRules['spoilt'];
  non_voters: TallyRules['nonVoters'];
  options: string[] | null;
}

/** The recount contract's JSON output (recount.md, "Output"). */
export interface ContractResult {
  electorate: ContractWeight;
  participation: ContractWeight;
  yes: ContractWeight;
  no: ContractWeight;
  abstain: ContractWeight;
  /** Only when spoilt ballots were cast, so the usual output has exactly the contract's keys. */
  spoilt?: ContractWeight;
  quorum: boolean;
  outcome: Outcome;
  options?: Record<string, ContractWeight>;
  adopted?: string | null;
  rules: ContractRules;
  rejected_ballots: { seq: number; reason: RejectionReason }[];
  deemed?: {
    applicable: boolean;
    reason?: string;
    outcome: Outcome;
    participation: ContractWeight;
    yes: ContractWeight;
  };
}

const contractWeight = (w: Weight): ContractWeight => ({
  parties: w.parties,
  area: formatAreaCents(w.areaCents),
});

/** The effective rules in the contract's key names, every default spelled out. */
export function rulesToContract(rules: TallyRules): ContractRules {
  return {
    category: rules.category,
    scope: rules.scope
      ? rules.scope.entrance == null
        ? { building: rules.scope.building }
        : { building: rules.scope.building, entrance: rules.scope.entrance }
      : null,
    merge: rules.merge,
    count_kinds: [...rules.countKinds],
    revision: rules.revision,
    spoilt: rules.spoilt,
    non_voters: rules.nonVoters,
    options: rules.options ? [...rules.options] : null,
  };
}

/**
 * Shapes a result as recount.md's JSON: areas as strings with two decimals, the effective
 * rules, rejected ballots (seq and reason), `options`/`adopted` only for an option matter,
 * `deemed` only under `deemed_majority`. `spoilt` (not in the contract's example) appears beside
 * `abstain` only when spoilt ballots were cast, so that the figures visibly add up to the
 * participation; otherwise the keys are exactly the contract's.
 * Superseded ballots are not part of the contract; they are in the {@link TallyResult}.
 */
export function toContractJson(result: TallyResult, rules: TallyRules): ContractResult {
  const out: ContractResult = {
    electorate: contractWeight(result.electorate),
    participation: contractWeight(result.participation),
    yes: contractWeight(result.yes),
    no: contractWeight(result.no),
    abstain: contractWeight(result.abstain),
    ...(result.spoilt.parties > 0 ? { spoilt: contractWeight(result.spoilt) } : {}),
    quorum: result.quorum,
    outcome: result.outcome,
  } as ContractResult;
  if (result.options) {
    // A null-prototype object, so an option id like "__proto__" is an ordinary key.
    const options: Record<string, ContractWeight> = Object.create(null);
    for (const o of result.options) options[o.id] = contractWeight(o);
    out.options = options;
    out.adopted = result.adopted;
  }
  out.rules = rulesToContract(rules);
  out.rejected_ballots = result.rejected.map((r) => ({ seq: r.seq, reason: r.reason }));
  if (result.deemed) {
    const d = result.deemed;
    out.deemed = {
      applicable: d.applicable,
      ...(d.reason === undefined ? {} : { reason: d.reason }),
      outcome: d.outcome,
      participation: contractWeight(d.participation),
      yes: contractWeight(d.yes),
    };
  }
  return out;
}
