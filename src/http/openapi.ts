import { z } from '@hono/zod-openapi';

/** The error envelope as a schema, referenced by every route's error responses. */
export const ErrorEnvelope = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'VALIDATION_FAILED' }),
      message: z.string(),
      messageZh: z.string().optional(),
      details: z
        .array(z.object({ field: z.string().optional(), line: z.number().optional(), column: z.string().nullable().optional(), message: z.string(), messageZh: z.string().optional() }))
        .optional(),
      requestId: z.string(),
    }),
  })
  .openapi('Error');

const err = (description: string) => ({ content: { 'application/json': { schema: ErrorEnvelope } }, description });

/** Standard error responses for documentation. */
export const errorResponses = {
  400: err('Invalid input (field named in details)'),
  401: err('Not signed in, or the token is invalid or expired'),
  403: err('Signed in without the needed role'),
  404: err('Not found'),
  429: err('Too many attempts'),
};

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { content: { 'application/json': { schema } }, required: true },
});

export const bearer = [{ bearer: [] }];
