import { eq, sql } from 'drizzle-orm';
import { messageDeliveries } from '../db/schema/index.ts';
import type { Db } from './db.ts';
import type { Env } from './env.ts';
import type { Keyring } from './keys.ts';
import type { Logger } from './logger.ts';

/**
 * Pluggable message sender. Production posts to an SMS gateway over HTTP (HttpSender) and records
 * each delivery in `message_deliveries`. The console outbox is for development and the demo: it
 * prints a masked number, and one-time codes only when built for the demo. Tests use the memory
 * outbox to read the code they were sent.
 */
export interface OutgoingMessage {
  /** Mainland mobile number, 11 digits. */
  to: string;
  text: string;
  purpose: 'otp' | 'notice' | 'reminder';
}

export interface Sender {
  /** Resolves once the message is accepted; rejects with SendError when it could not be sent. */
  send(message: OutgoingMessage): Promise<void>;
}

/** A message that could not be handed over (after retries, or refused by the gateway). */
export class SendError extends Error {
  constructor(
    message: string,
    readonly deliveryId: string | null,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'SendError';
  }
}

/** 138****5678 — safe to show and log. */
export function maskPhone(phone: string): string {
  return phone.length === 11 ? `${phone.slice(0, 3)}****${phone.slice(7)}` : '****';
}

/**
 * Hides what could sign someone in: the code part of links (/l#…, /join#…, /l/…, /join?code=…,
 * /optout/…), invite and letter codes (K7QXM-2PD9R, K7QM-2XHP-9RTA) and runs of four or more digits.
 */
export function maskCodes(text: string): string {
  return text
    .replace(/(\/(?:l|join|optout)(?:[/#]|\?code=))[^\s]+/g, '$1…')
    .replace(/\b[0-9A-Z]{4,5}(?:-[0-9A-Z]{4,5}){1,2}\b/g, '[code]')
    .replace(/\d{4,}/g, (d) => '•'.repeat(d.length));
}

interface Writable {
  write(chunk: string): unknown;
}

export class ConsoleSender implements Sender {
  private readonly revealCodes: boolean;
  private readonly out: Writable;

  /** `revealCodes` is for the demo only (scripts/demo.ts): anywhere else codes are masked. */
  constructor(opts: { revealCodes?: boolean; out?: Writable } = {}) {
    this.revealCodes = opts.revealCodes ?? false;
    this.out = opts.out ?? process.stdout;
  }

  async send(message: OutgoingMessage): Promise<void> {
    const text = this.revealCodes ? message.text : maskCodes(message.text);
    this.out.write(`[outbox] to ${maskPhone(message.to)} (${message.purpose}): ${text}\n`);
  }
}

export class MemorySender implements Sender {
  readonly sent: OutgoingMessage[] = [];
  async send(message: OutgoingMessage): Promise<void> {
    this.sent.push(message);
  }
  lastTo(phone: string): OutgoingMessage | undefined {
    return this.sent.filter((m) => m.to === phone).at(-1);
  }
}

export interface HttpSenderOptions {
  /** The gateway endpoint (LINLI_SMS_URL). */
  url: string;
  /** Sent as `Authorization: Bearer <key>` (LINLI_SMS_KEY). */
  key: string;
  /** The gateway's template or sign name (LINLI_SMS_TEMPLATE), passed through as `template`. */
  template?: string;
  db: Db;
  /** Keyed hash of the number: what the delivery row holds instead of it. */
  hashPhone: (phone: string) => string;
  logger?: Logger;
  /** Most attempts per message (network errors and 5xx are retried, 4xx never). */
  attempts?: number;
  /** Delay before the second attempt; doubled before each further one. */
  baseDelayMs?: number;
  /** Per attempt. */
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A short, code-free description of a network failure: the error code (ECONNREFUSED, …) or name. */
function networkError(err: unknown): string {
  for (let e = err as { code?: unknown; cause?: unknown; name?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') return `network: ${e.code}`;
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'network: timeout';
  }
  return `network: ${(err as Error)?.name ?? 'error'}`;
}

/**
 * Posts each message as JSON `{ id, to, text, purpose, template? }` to the gateway, with the key in
 * the Authorization header and the delivery id as Idempotency-Key (so a retry after a lost answer
 * is not sent twice by a gateway that honours it). Network errors and 5xx answers are retried with
 * exponential backoff up to `attempts`; a 4xx answer is final. Every attempt updates the message's
 * `message_deliveries` row; the gateway's answer body is never stored (it may echo the text).
 */
export class HttpSender implements Sender {
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly opts: HttpSenderOptions) {
    this.attempts = Math.max(1, opts.attempts ?? 4);
    this.baseDelayMs = opts.baseDelayMs ?? 500;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  async send(message: OutgoingMessage): Promise<void> {
    const { db } = this.opts;
    const [row] = await db
      .insert(messageDeliveries)
      .values({ purpose: message.purpose, phoneHash: this.opts.hashPhone(message.to), status: 'queued' })
      .returning({ id: messageDeliveries.id });
    const id = row!.id;
    const body = JSON.stringify({ id, to: message.to, text: message.text, purpose: message.purpose, ...(this.opts.template ? { template: this.opts.template } : {}) });
    let lastError = '';
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      let permanent = false;
      try {
        const res = await fetch(this.opts.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${this.opts.key}`, 'idempotency-key': id },
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        await res.body?.cancel().catch(() => {});
        if (res.ok) {
          await db.update(messageDeliveries).set({ status: 'sent', attempts: attempt, lastError: null, updatedAt: sql`now()`, sentAt: sql`now()` }).where(eq(messageDeliveries.id, id));
          return;
        }
        lastError = `HTTP ${res.status}`;
        permanent = res.status < 500;
      } catch (err) {
        lastError = networkError(err);
      }
      const final = permanent || attempt === this.attempts;
      await db
        .update(messageDeliveries)
        .set({ status: final ? 'failed' : 'queued', attempts: attempt, lastError, updatedAt: sql`now()` })
        .where(eq(messageDeliveries.id, id));
      if (final) {
        this.opts.logger?.warn({ delivery: id, purpose: message.purpose, attempts: attempt, error: lastError }, 'message not delivered');
        throw new SendError(`message not delivered after ${attempt} attempt(s): ${lastError}`, id, permanent);
      }
      await sleep(this.baseDelayMs * 2 ** (attempt - 1));
    }
    throw new SendError('message not delivered', id, false); // not reached
  }
}

/** The sender the configuration names (LINLI_SENDER / LINLI_SMS_*). */
export function senderFromEnv(env: Env, deps: { db: Db; keys: Keyring; logger: Logger }): Sender {
  if (env.sender === 'http') {
    return new HttpSender({
      url: env.LINLI_SMS_URL!,
      key: env.LINLI_SMS_KEY!,
      template: env.LINLI_SMS_TEMPLATE,
      db: deps.db,
      hashPhone: (p) => deps.keys.hash('phone', p),
      logger: deps.logger,
    });
  }
  return new ConsoleSender();
}
