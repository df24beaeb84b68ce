import { ref } from 'vue';

/** The signed-in session: a bearer token in localStorage (`linli.token`) and its expiry. */
const TOKEN_KEY = 'linli.token';
const EXPIRES_KEY = 'linli.tokenExpiresAt';

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function currentToken(): string | null {
  const token = read(TOKEN_KEY);
  const expires = read(EXPIRES_KEY);
  if (!token) return null;
  if (expires && Date.parse(expires) <= Date.now()) return null;
  return token;
}

/** Reactive so the header can show or hide the sign-out button. */
export const signedIn = ref(currentToken() !== null);

export function getToken(): string | null {
  const token = currentToken();
  signedIn.value = token !== null;
  return token;
}

export function saveSession(token: string, expiresAt: string) {
  try {
    localStorage.setItem(TOKEN_KEY, token);
    localStorage.setItem(EXPIRES_KEY, expiresAt);
  } catch {
    /* private mode: the session lasts as long as the page */
  }
  memoryToken = token;
  signedIn.value = true;
}

export function clearSession() {
  try {
    localStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(EXPIRES_KEY);
  } catch {
    /* ignore */
  }
  memoryToken = null;
  signedIn.value = false;
}

/** Fallback when localStorage is unavailable (some in-app browsers). */
let memoryToken: string | null = null;
export function bearer(): string | null {
  return getToken() ?? memoryToken;
}

/**
 * A message carried across a redirect, e.g. a failed QR sign-in shown on the sign-in page.
 * Kept in memory only: codes must not linger in storage or in the address bar.
 */
export const flash: { error: unknown; code: string } = { error: null, code: '' };
