import { z } from '@hono/zod-openapi';

export const ProposalOption = z
  .object({
    key: z.string().regex(/^[A-Za-z0-9_-]{1,16}$/, 'letters, digits, - or _ (at most 16)'),
    name: z.string().trim().min(1).max(100),
    colorHex: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour like #C8A27A').nullish(),
    colorCode: z.string().trim().max(50).nullish(),
    description: z.string().trim().max(2000).nullish(),
    attachmentId: z.string().uuid().nullish(),
  })
  .strict();

export const ProposalContent = z
  .object({
    title: z.string().trim().min(1).max(200),
    body: z.string().trim().max(20000).default(''),
    options: z.array(ProposalOption).max(20).default([]),
    attachmentIds: z.array(z.string().uuid()).max(20).default([]),
  })
  .strict()
  .superRefine((p, ctx) => {
    const keys = p.options.map((o) => o.key);
    if (new Set(keys).size !== keys.length) ctx.addIssue({ code: 'custom', path: ['options'], message: 'option keys must be unique' });
  });

export const CreateProposal = ProposalContent.and(z.object({ supportThreshold: z.number().int().min(0).max(100000).default(0) }));
export const NewVersion = ProposalContent.and(z.object({ note: z.string().trim().max(500).default('') }));

export const PublishProposal = z
  .object({ publicStart: z.string().datetime({ offset: true }).optional(), publicEnd: z.string().datetime({ offset: true }) })
  .strict();

export const ConvertProposal = z
  .object({
    category: z.enum(['1', '2', '3', '4', '5', '6', '7', '8', '9', 'consultation']),
    title: z.string().trim().min(1).max(200).optional(),
    opensAt: z.string().datetime({ offset: true }),
    closesAt: z.string().datetime({ offset: true }),
  })
  .strict();

export const ProposalParams = z.object({
  estateId: z.string().uuid().openapi({ param: { name: 'estateId', in: 'path' } }),
  proposalId: z.string().uuid().openapi({ param: { name: 'proposalId', in: 'path' } }),
});
