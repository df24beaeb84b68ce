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
