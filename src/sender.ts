/**
 * Pluggable message sender (SMS in production). Development uses the console outbox, which prints
 * only a masked number. Tests use the memory outbox to read the code they were sent.
 */
export interface OutgoingMessage {
  /** Mainland mobile number, 11 digits. */
  to: string;
  text: string;
  purpose: 'otp' | 'notice' | 'reminder';
}

export interface Sender {
  send(message: OutgoingMessage): Promise<void>;
}

/** 138****5678 — safe to show and log. */
export function maskPhone(phone: string): string {
  return phone.length === 11 ? `${phone.slice(0, 3)}****${phone.slice(7)}` : '****';
}

export class ConsoleSender implements Sender {
  async send(message: OutgoingMessage): Promise<void> {
    process.stdout.write(`[outbox] to ${maskPhone(message.to)} (${message.purpose}): ${message.text}\n`);
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
