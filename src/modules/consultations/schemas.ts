import { z } from '@hono/zod-openapi';

const Option = z
  .object({
    key: z.string().regex(/^[A-Za-z0-9_-]{1,16}$/, 'letters, digits, - or _ (at most 16)'),
    name: z.string().trim().min(1).max(100),
    colorHex: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a colour like #C8A27A').nullish(),
  })
  .strict();

export const Question = z
  .object({
    key: z.string().regex(/^[A-Za-z0-9_-]{1,16}$/, 'letters, digits, - or _ (at most 16)'),
    kind: z.enum(['single', 'multiple', 'ranking', 'text']),
    title: z.string().trim().min(1).max(300),
    required: z.boolean().default(true),
    options: z.array(Option).max(20).default([]),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.kind !== 'text' && q.options.length < 2) ctx.addIssue({ code: 'custom', path: ['options'], message: 'needs at least two options' });
    if (q.kind === 'text' && q.options.length) ctx.addIssue({ code: 'custom', path: ['options'], message: 'a free-text question has no options' });
    const keys = q.options.map((o) => o.key);
    if (new Set(keys).size !== keys.length) ctx.addIssue({ code: 'custom', path: ['options'], message: 'option keys must be unique' });
  });

export const CreateConsultation = z
  .object({
    title: z.string().trim().min(1).max(200),
    description: z.string().trim().max(5000).default(''),
    scope: z.object({ building: z.string().min(1).max(64), entrance: z.string().min(1).max(64).nullish() }).strict().nullish(),
    closesAt: z.string().datetime({ offset: true }),
    proposalId: z.string().uuid().nullish(),
    questions: z.array(Question).min(1).max(30),
  })
  .strict()
  .superRefine((c, ctx) => {
    const keys = c.questions.map((q) => q.key);
    if (new Set(keys).size !== keys.length) ctx.addIssue({ code: 'custom', path: ['questions'], message: 'question keys must be unique' });
  });

/** Answers by question key: an option key (single), option keys (multiple, ranking in order), or text. */
export const Answers = z.record(z.string().max(16), z.union([z.string().max(2000), z.array(z.string().max(16)).max(20)]));

export const ConsultationParams = z.object({
  estateId: z.string().uuid().openapi({ param: { name: 'estateId', in: 'path' } }),
  consultationId: z.string().uuid().openapi({ param: { name: 'consultationId', in: 'path' } }),
});

export type QuestionT = z.infer<typeof Question>;
