import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * Which proxies in front of the service are trusted to say who the client is (X-Forwarded-For).
 * `none`: the socket's peer is the client and the header is ignored.
 */
export type TrustProxy = { kind: 'none' } | { kind: 'hops'; hops: number } | { kind: 'addresses'; addresses: string[] };

const TrustProxySchema = z
  .string()
  .transform((raw, ctx): TrustProxy => {
    const value = raw.trim();
    if (/^\d+$/.test(value)) {
      const hops = Number(value);
      if (hops > 10) ctx.addIssue({ code: 'custom', message: 'at most 10 proxy hops' });
      return hops === 0 ? { kind: 'none' } : { kind: 'hops', hops };
    }
    const addresses = value.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = addresses.find((a) => !isIP(a));
    if (!addresses.length || bad !== undefined) {
      ctx.addIssue({ code: 'custom', message: `a number of proxy hops (e.g. 1) or a comma-separated list of proxy IP addresses${bad ? `; not an IP address: ${bad}` : ''}` });
    }
    return { kind: 'addresses', addresses };
  })
  .optional();

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
  /**
   * How text messages (one-time codes, owner alerts, notices, reminders) leave: `http` posts them
   * to an SMS gateway (LINLI_SMS_URL, chosen by default when that is set); `console` prints them
   * with numbers and codes masked (development, or a deployment that deliberately sends no texts).
   * Without either, `npm start` refuses to run unless NODE_ENV=development.
   */
  LINLI_SENDER: z.enum(['console', 'http']).optional(),
  /** SMS gateway endpoint: each message is POSTed there as JSON `{ id, to, text, purpose, template? }`. */
  LINLI_SMS_URL: z.string().url('must be an absolute URL such as https://sms.example.cn/send').optional(),
  /** Gateway credential, sent as `Authorization: Bearer <key>`; never logged. */
  LINLI_SMS_KEY: z.string().min(8, 'at least 8 characters').optional(),
  /** The gateway's template or signature id (e.g. an approved 短信模板 id), passed through as `template`. */
  LINLI_SMS_TEMPLATE: z.string().min(1).max(200).optional(),
  LINLI_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Most ballot submissions of one vote committed in one transaction (group commit); 1 = one each. */
  LINLI_BOX_BATCH: z.coerce.number().int().min(1).max(1000).default(256),
  /**
   * Reverse proxies trusted to report the client address in X-Forwarded-For, which rate limits are
   * keyed on. Unset or `0`: the socket's peer address is used and the header is ignored (anyone can
   * write it). A number N: N proxies append to the header and the client is the entry N places from
   * the right (the service must then be reachable only through them). A comma-separated list of IP
   * addresses: entries are skipped from the right while they are one of these proxies, the first
   * other one is the client (`10.0.0.2,10.0.0.3`). Malformed entries fall back to the peer address.
   */
  LINLI_TRUST_PROXY: TrustProxySchema,
  /** `development` allows starting without a configured sender (console outbox). */
  NODE_ENV: z.string().default('production'),
});

export type Env = z.infer<typeof EnvSchema> & {
  publicUrl: string;
  trustProxy: TrustProxy;
  /** The sender in effect: LINLI_SENDER, else `http` when LINLI_SMS_URL is set, else `console`. */
  sender: 'console' | 'http';
};

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
  const sender = env.LINLI_SENDER ?? (env.LINLI_SMS_URL ? 'http' : 'console');
  if (sender === 'http') {
    const missing = (['LINLI_SMS_URL', 'LINLI_SMS_KEY'] as const).filter((k) => !env[k]);
    if (missing.length) throw new ConfigError(`Invalid configuration:\n${missing.map((k) => `  ${k}: required for the http sender`).join('\n')}`);
  }
  return { ...env, publicUrl, sender, trustProxy: env.LINLI_TRUST_PROXY ?? { kind: 'none' } };
}

/**
 * Why the server must not start with this configuration's sender, or null: without a real sender
 * one-time codes and owner alerts would never reach anyone, so that needs NODE_ENV=development or
 * a deliberate LINLI_SENDER=console.
 */
export function senderRefusal(env: Env): string | null {
  if (env.sender !== 'console' || env.LINLI_SENDER === 'console' || env.NODE_ENV === 'development') return null;
  return 'linli: no message sender configured: set LINLI_SMS_URL and LINLI_SMS_KEY (or LINLI_SENDER=console to send no texts, or NODE_ENV=development)';
}
