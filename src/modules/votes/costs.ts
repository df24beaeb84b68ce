import { z } from '@hono/zod-openapi';
import { and, asc, eq } from 'drizzle-orm';
import { buildings, entrances, parts } from '../../../db/schema/index.ts';
import type { Db } from '../../db.ts';
import { CoefficientError, COEFFICIENT_SCALE, CostSharingError, parseCoefficients, shareCosts } from '../../domain/costs/sharing.ts';
import { AppError } from '../../errors.ts';

/** Integer fen, at most ¥100 million. */
const Fen = z.number().int().min(0).max(10_000_000_000);

export const CostPlanInput = z
  .object({
    costFen: Fen,
    subsidyFen: Fen.default(0),
    /** floor → coefficient as decimal text ("0.7"); every floor with parts in the scope needs one. */
    coefficients: z.record(z.string().regex(/^-?\d{1,3}$/, 'a floor number'), z.string().max(16)),
  })
  .strict();
export type CostPlan = z.infer<typeof CostPlanInput>;

export interface Scope {
  building: string;
  entrance?: string | null;
}

const invalid = (field: string, message: string, messageZh: string) => new AppError('VALIDATION_FAILED', `${field}: ${message}`, [{ field, message }], messageZh);

/** Parts of a building (or one entrance) with their floors, for cost sharing. */
async function scopeUnits(db: Db, estateId: string, scope: Scope) {
  const rows = await db
    .select({ partId: parts.code, floor: parts.floor, areaCents: parts.areaCents, entrance: entrances.code, kind: parts.kind })
    .from(parts)
    .innerJoin(buildings, eq(buildings.id, parts.buildingId))
    .leftJoin(entrances, eq(entrances.id, parts.entranceId))
    .where(and(eq(parts.estateId, estateId), eq(buildings.code, scope.building)))
    .orderBy(asc(parts.code));
  return rows.filter((r) => !scope.entrance || r.entrance === scope.entrance);
}

/**
 * Shares a cost plan among the parts of a scope (rules.md §4): per unit and per floor, exact to the
 * fen by largest remainder. Parts without a floor in the register cannot be shared and are named.
 */
export async function costSharingFor(db: Db, estateId: string, scope: Scope, plan: CostPlan) {
  const rows = await scopeUnits(db, estateId, scope);
  if (!rows.length) throw invalid('scope', 'no parts in this building or entrance', '该楼栋或单元没有登记房屋');
  const noFloor = rows.filter((r) => r.floor === null).map((r) => r.partId);
  if (noFloor.length) throw invalid('scope', `parts without a floor in the register: ${noFloor.slice(0, 10).join(', ')}`, `以下房屋在登记表中没有楼层：${noFloor.slice(0, 10).join('、')}`);
  const units = rows.map((r) => ({ partId: r.partId, floor: r.floor!, areaCents: r.areaCents }));
  let result;
  let table: Map<number, number>;
  try {
    table = parseCoefficients(plan.coefficients);
    result = shareCosts(units, plan.coefficients, plan.costFen, plan.subsidyFen);
  } catch (e) {
    if (e instanceof CoefficientError) {
      const zh = e.reason === 'missing' ? `第 ${e.floor} 层缺少分摊系数` : `第 ${e.floor} 层的系数格式不对（例如 0.7）`;
      throw invalid(`coefficients.${e.floor}`, e.message, zh);
    }
    if (e instanceof CostSharingError) {
      const zh = e.reason === 'subsidy_exceeds_cost' ? '补贴不能超过总费用' : e.reason === 'no_weight' ? '所有系数都为 0，无法分摊' : '费用或房屋数据有误';
      throw invalid(e.reason === 'subsidy_exceeds_cost' ? 'subsidyFen' : 'coefficients', e.message, zh);
    }
    throw e;
  }
  const coefText = (floor: number) => {
    const v = table.get(floor) ?? 0;
    return (v / COEFFICIENT_SCALE).toString();
  };
  const unitsOut = units.map((u, i) => ({ ...u, coefficient: coefText(u.floor), shareFen: result.shares[i]!.shareFen }));
  const floors = [...new Set(units.map((u) => u.floor))]
    .sort((a, b) => a - b)
    .map((floor) => {
      const on = unitsOut.filter((u) => u.floor === floor);
      return { floor, coefficient: coefText(floor), units: on.length, areaCents: on.reduce((s, u) => s + u.areaCents, 0), totalFen: on.reduce((s, u) => s + u.shareFen, 0) };
    });
  return { netFen: result.netFen, totalFen: result.totalFen, units: unitsOut, floors };
}

/** The stored plan of a building vote, per part (for its letters), or null. */
export async function costSharesOfVote(db: Db, vote: { estateId: string; scope: unknown; costPlan: unknown }) {
  if (!vote.costPlan || !vote.scope) return null;
  const r = await costSharingFor(db, vote.estateId, vote.scope as Scope, vote.costPlan as CostPlan);
  return { ...r, byPart: new Map(r.units.map((u) => [u.partId, u.shareFen])), floorOf: new Map<string, number | null>(r.units.map((u) => [u.partId, u.floor])) };
}
