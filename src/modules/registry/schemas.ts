import { z } from '@hono/zod-openapi';
import { PART_KINDS } from '../../domain/register/rows.ts';

/** Public DTOs are written by hand, so a column change cannot silently change the API. */
export const EstateRulesSchema = z
  .object({
    forms: z.array(z.enum(['online', 'paper'])).min(1),
    noticeDays: z.number().int().min(0).max(90),
    extraordinaryNoticeDays: z.number().int().min(0).max(90).nullable(),
    windowMinDays: z.number().int().min(1).max(365),
    windowMaxDays: z.number().int().min(1).max(365),
    areaSourcePolicy: z.literal('register_survey_contract'),
    countKinds: z.array(z.enum(PART_KINDS)).min(1),
    merge: z.enum(['identical_owner_set', 'shared_person']),
    proxies: z.object({ allowed: z.boolean(), cap: z.number().int().min(1).max(50) }),
    proxyOverride: z.enum(['owner_wins', 'first_valid']),
    nonVoters: z.enum(['strict', 'deemed_majority']),
    spoilt: z.enum(['participates', 'excluded']),
    revision: z.enum(['final', 'last_counts']),
    secrecy: z.enum(['open', 'sealed']),
    publicationDetail: z.enum(['house_numbers_areas', 'totals_only']),
    objectionDays: z.number().int().min(0).max(60),
    retentionYears: z.number().int().min(5).max(100),
    councilQuorum: z.literal('majority'),
    autoHideReports: z.number().int().min(1).max(100),
  })
  .openapi('EstateRules');

export const EstateRulesPatchSchema = EstateRulesSchema.partial()
  .extend({ proxies: z.object({ allowed: z.boolean(), cap: z.number().int().min(1).max(50) }).partial().optional() })
  .strict()
  .refine((r) => r.windowMinDays === undefined || r.windowMaxDays === undefined || r.windowMinDays <= r.windowMaxDays, {
    message: 'windowMinDays must not exceed windowMaxDays',
    path: ['windowMinDays'],
  });

export const EstateIdParam = z.object({ estateId: z.string().uuid().openapi({ param: { name: 'estateId', in: 'path' } }) });

export const CreateEstateSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    address: z.string().trim().max(200).nullish(),
    developerName: z.string().trim().max(100).nullish(),
    community: z.object({ name: z.string().trim().min(1).max(100), district: z.string().trim().max(100).nullish() }).nullish(),
  })
  .strict();

export const EstateSchema = z
  .object({ id: z.string(), name: z.string(), address: z.string().nullable(), developerName: z.string().nullable(), rules: EstateRulesSchema })
  .openapi('Estate');

const ElectorateSummary = z.object({
  parties: z.number().int(),
  area: z.string().openapi({ example: '900.00' }),
  areaCents: z.number().int(),
  merge: z.string(),
  developerParts: z.number().int(),
});

export const ImportSummarySchema = z
  .object({
    dryRun: z.boolean(),
    importId: z.string().nullable(),
    rows: z.number().int(),
    parts: z.number().int(),
    persons: z.number().int(),
    buildings: z.number().int(),
    entrances: z.number().int(),
    electorate: ElectorateSummary,
  })
  .openapi('ImportSummary');

export const OverviewSchema = z
  .object({
    estate: z.object({ id: z.string(), name: z.string() }),
    buildings: z.array(
      z.object({
        building: z.string(),
        entrances: z.array(z.string()),
        parts: z.number().int(),
        areaCents: z.number().int(),
        area: z.string(),
        parties: z.number().int(),
        kinds: z.record(z.string(), z.number()),
        statuses: z.record(z.string(), z.number()),
      }),
    ),
    totals: z.object({ parts: z.number().int(), areaCents: z.number().int(), area: z.string(), electorate: ElectorateSummary }),
  })
  .openapi('BuildingsOverview');

export const PartsPageSchema = z.object({
  total: z.number().int(),
  items: z.array(
    z.object({
      partId: z.string(),
      building: z.string(),
      entrance: z.string().nullable(),
      floor: z.number().nullable(),
      kind: z.string(),
      area: z.string(),
      areaCents: z.number().int(),
      areaSource: z.string(),
      status: z.string(),
      owners: z.number().int(),
    }),
  ),
});

export const ElectorateQuery = z.object({
  merge: z.enum(['identical_owner_set', 'shared_person']).optional(),
  building: z.string().max(64).optional(),
  entrance: z.string().max(64).optional(),
});
export { ElectorateSummary };
