import { z } from 'zod';

/**
 * The only reader of process.env. Everything else receives an `Env` value,
 * so tests can build one without touching the process.
 */
const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  LINLI_DATA_DIR: z.string().min(1).default('./data'),
  LINLI_PUBLIC_URL: z.string().url('must be an absolute URL such as https://vote.example.cn').optional(),
  /** Base64 of a PKCS#8 Ed25519 private key; when absent a key file in LINLI_DATA_DIR is used. */
  LINLI_SIGNING_KEY: z.string().min(40).optional(),
  /** Secret pepper for hashing phone and certificate numbers; shared by all nodes of a deployment. */
  LINLI_SECRET: z.string().min(16).optional(),
  LINLI_SENDER: z.enum(['console']).default('console'),
  LINLI_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Most ballot submissions of one vote committed in one transaction (group commit); 1 = one each. */
  LINLI_BOX_BATCH: z.coerce.number().int().min(1).max(1000).default(256),
  NODE_ENV: z.string().default('development'),
});

export type Env = z.infer<typeof EnvSchema> & { publicUrl: string };

export class ConfigError extends Error {}

/** Parses the environment; bad values fail fast with one readable line per variable. */
export function readEnv(source: Record<string, string | undefined> = process.env): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const env = parsed.data;
  const publicUrl = (env.LINLI_PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
  return { ...env, publicUrl };
}
