import { z } from '@hono/zod-openapi';
import { CostPlanInput } from './costs.ts';

export const CATEGORY_VALUES = ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'consultation'] as const;

export const OptionInput = z
  .object({
    key: z.string().trim().regex(/^[A-Za-z0-9_-]{1,16}$/, 'letters, digits, - or _ (at most 16)').optional(),
    name: z.string().trim().min(1).max(100),
    colorHex: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour like #C8A27A').nullish(),
    colorCode: z.string().trim().max(50).nullish(),
    // http(s) only: the vote page links to it, and a javascript: or data: URL there would run script.
    pictureUrl: z.string().url({ protocol: /^https?$/, message: 'an http(s) URL' }).max(500).nullish(),
  })
  .strict();

export const MatterInput = z
  .object({
    title: z.string().trim().min(1).max(200),
    description: z.string().trim().max(5000).default(''),
    category: z.enum(CATEGORY_VALUES),
    kind: z.enum(['yes_no', 'options']).default('yes_no'),
    options: z.array(OptionInput).max(20).default([]),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.kind === 'options' && m.options.length < 2) ctx.addIssue({ code: 'custom', path: ['options'], message: 'an option matter needs at least two options' });
    if (m.kind === 'yes_no' && m.options.length) ctx.addIssue({ code: 'custom', path: ['options'], message: 'a yes/no matter has no options' });
    const keys = m.options.map((o, i) => o.key ?? String.fromCharCode(65 + i));
    if (new Set(keys).size !== keys.length) ctx.addIssue({ code: 'custom', path: ['options'], message: 'option keys must be unique' });
    for (const k of keys) if (['yes', 'no', 'abstain', 'spoilt'].includes(k)) ctx.addIssue({ code: 'custom', path: ['options'], message: `option key ${k} is reserved` });
  });

export const CreateVoteInput = z
  .object({
    title: z.string().trim().min(1).max(200),
    description: z.string().trim().max(5000).default(''),
    scope: z.object({ building: z.string().min(1).max(64), entrance: z.string().min(1).max(64).nullish() }).strict().nullish(),
    opensAt: z.string().datetime({ offset: true }),
    closesAt: z.string().datetime({ offset: true }),
    matters: z.array(MatterInput).max(30).default([]),
    /** Building votes: house numbers whose own part the works occupy (their owners must consent). */
    occupiedParts: z.array(z.string().trim().min(1).max(64)).max(200).optional(),
    /** Building votes: the cost sharing printed on each household's letter (rules.md §4). */
    costPlan: CostPlanInput.optional(),
  })
  .strict();

export const NoticeInput = z
  .object({ noticeDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date like 2026-03-01').optional() })
  .strict();

export const BallotInput = z
  .object({
    choices: z
      .array(z.object({ matter: z.string().min(1).max(40), choice: z.string().min(1).max(40) }).strict())
      .min(1)
      .max(30),
    /** The party to vote for, when the signed-in owner belongs to more than one (rare). */
    party: z.string().max(20).optional(),
    /** Client nonce: two identical choices never share a ledger entry. */
    nonce: z.string().min(8).max(64),
  })
  .strict();

export const CloseInput = z.object({ reason: z.string().trim().min(2).max(500) }).strict();

export const VoteParams = z.object({
  estateId: z.string().uuid().openapi({ param: { name: 'estateId', in: 'path' } }),
  voteId: z.string().uuid().openapi({ param: { name: 'voteId', in: 'path' } }),
});

export type CreateVote = z.infer<typeof CreateVoteInput>;
export type Matter = z.infer<typeof MatterInput>;
