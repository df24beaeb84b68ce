import { randomInt } from 'node:crypto';

/** Unambiguous alphabet for codes read off paper by elderly owners: no 0/O, 1/I/L, U. */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
const INVITE_LENGTH = 10;

/** A fresh invite code, e.g. `K7QXM-2PD9R` (10 symbols ≈ 49 bits; single use, expiring, rate-limited). */
export function newInviteCode(): string {
  let s = '';
  for (let i = 0; i < INVITE_LENGTH; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return `${s.slice(0, 5)}-${s.slice(5)}`;
}

/** A ballot letter code, e.g. `K7QM-2XHP-9RTA` (12 symbols ≈ 59 bits; rate-limited sign-in). */
export function newLetterCode(): string {
  let s = '';
  for (let i = 0; i < 12; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8)}`;
}

/** Normalizes what a person typed: case, spaces, dashes, and look-alike letters. */
export function normalizeInviteCode(input: string): string {
  return input
    .toUpperCase()
    .replace(/[\s\-_]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
}

/** A 6-digit one-time code. */
export function newOtpCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** Normalizes a mainland mobile number to its 11 digits, or null if it is not one. */
export function normalizePhone(input: string): string | null {
  const digits = input.replace(/[\s\-()]/g, '').replace(/^\+?86/, '');
  return /^1\d{10}$/.test(digits) ? digits : null;
}
