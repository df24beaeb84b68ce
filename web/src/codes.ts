/** Invite codes are 10 letters/digits shown as `K7QXM-2PD9R`; people type them in any case, with or without the dash. */
export const INVITE_CODE_LENGTH = 10;

/** What the code box shows while typing: upper case, only letters and digits, a dash after five. */
export function formatInviteCode(input: string): string {
  let raw = input.trim();
  // Someone may paste the whole QR link.
  const fromUrl = /[?&]code=([^&#\s]+)/i.exec(raw);
  if (fromUrl?.[1]) raw = decodeURIComponent(fromUrl[1]);
  const symbols = raw.toUpperCase().replace(/[^0-9A-Z]/g, '').slice(0, INVITE_CODE_LENGTH);
  return symbols.length > 5 ? `${symbols.slice(0, 5)}-${symbols.slice(5)}` : symbols;
}

export function inviteCodeComplete(formatted: string): boolean {
  return formatted.replace(/-/g, '').length === INVITE_CODE_LENGTH;
}

/** Ballot-letter codes are 12 letters/digits shown as `K7QM-2XHP-9RTA` (see quorum.ts). */
export const LETTER_CODE_SYMBOLS = 12;

/**
 * The sign-in box takes both kinds of code: an invite (10 symbols, `K7QXM-2PD9R`) or the code on a
 * ballot letter (12 symbols, `K7QM-2XHP-9RTA`). Which one is being typed shows by its length, or by
 * a dash after the fourth symbol as the letter prints it; a pasted letter link (`/l/…`, `/l#…`) is
 * a letter code.
 */
export function signInCodeKind(input: string): 'invite' | 'letter' {
  const raw = input.trim();
  if (/\/l(\/|#)[0-9a-z]/i.test(raw)) return 'letter';
  if (/[?&]code=/i.test(raw)) return 'invite';
  const symbols = raw.toUpperCase().replace(/[^0-9A-Z]/g, '');
  if (symbols.length > INVITE_CODE_LENGTH) return 'letter';
  return /^[0-9A-Za-z]{4}-[0-9A-Za-z]/.test(raw) ? 'letter' : 'invite';
}

/** What the sign-in box shows while typing: an invite code as `XXXXX-XXXXX`, a letter code as `XXXX-XXXX-XXXX`. */
export function formatSignInCode(input: string): string {
  if (signInCodeKind(input) === 'invite') return formatInviteCode(input);
  let raw = input.trim();
  const fromUrl = /\/l(?:\/|#)([^/?#\s]+)/i.exec(raw);
  if (fromUrl?.[1]) {
    try {
      raw = decodeURIComponent(fromUrl[1]);
    } catch {
      raw = fromUrl[1];
    }
  }
  const symbols = raw.toUpperCase().replace(/[^0-9A-Z]/g, '').slice(0, LETTER_CODE_SYMBOLS);
  return symbols.match(/.{1,4}/g)?.join('-') ?? '';
}

/** A complete code of either kind (told apart by length alone), or null while it is not yet. */
export function completeSignInCode(formatted: string): 'invite' | 'letter' | null {
  const n = formatted.replace(/-/g, '').length;
  return n === INVITE_CODE_LENGTH ? 'invite' : n === LETTER_CODE_SYMBOLS ? 'letter' : null;
}
