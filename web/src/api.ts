import { lang, t } from './i18n.ts';
import { navigate, route } from './router.ts';
import { bearer, clearSession } from './session.ts';

/** One problem with one field or line, as the API reports it. */
export interface ErrorDetail {
  field?: string;
  line?: number;
  column?: string | null;
  message: string;
  messageZh?: string;
}

/** An error answer from the API (or a network failure, status 0), already in the envelope's terms. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly messageZh: string | undefined,
    readonly details: ErrorDetail[],
    readonly requestId: string | undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The message in the reader's language. */
  get text(): string {
    if (this.status === 0) return t('common.networkError');
    if (lang.value === 'zh') return this.messageZh ?? t('common.unknownError');
    return this.message || t('common.unknownError');
  }
}

/** The text of any thrown value, for showing to a person. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.text;
  return t('common.unknownError');
}

/** The message of one detail row in the reader's language. */
export function detailText(d: ErrorDetail): string {
  return lang.value === 'zh' ? d.messageZh ?? d.message : d.message;
}

interface Envelope {
  error?: { code?: string; message?: string; messageZh?: string; details?: ErrorDetail[]; requestId?: string };
}

function toApiError(status: number, body: unknown): ApiError {
  const e = (body as Envelope | null)?.error;
  return new ApiError(status, e?.code ?? `HTTP_${status}`, e?.message ?? `HTTP ${status}`, e?.messageZh, e?.details ?? [], e?.requestId);
}

/** Routes whose 401 is an answer to show (a wrong code), not an expired session. */
const SIGN_IN_PATHS = ['/api/auth/sign-in', '/api/auth/otp/request', '/api/auth/otp/verify', '/api/auth/letter', '/api/reminders/opt-out'];

function onUnauthorized(path: string) {
  if (SIGN_IN_PATHS.includes(path)) return;
  clearSession();
  if (route.def?.public) return;
  const next = window.location.pathname + window.location.search;
  navigate(`/sign-in?next=${encodeURIComponent(next)}`, { replace: true });
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const h: Record<string, string> = { accept: 'application/json', ...extra };
  const token = bearer();
  if (token) h.authorization = `Bearer ${token}`;
  return h;
}

/** Calls the JSON API; resolves with the parsed body or throws an ApiError. */
export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'network error', undefined, [], undefined);
  }
  const data: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    if (res.status === 401) onUnauthorized(path);
    throw toApiError(res.status, data);
  }
  return data as T;
}

/**
 * Uploads a form with progress (fetch cannot report upload progress, XMLHttpRequest can).
 * `onProgress` receives 0–100 while the bytes go up.
 */
export function upload<T>(path: string, form: FormData, onProgress: (percent: number) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    for (const [k, v] of Object.entries(headers())) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(Math.round((e.loaded / e.total) * 100));
    };
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', 'network error', undefined, [], undefined));
    xhr.onload = () => {
      let data: unknown = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(100);
        resolve(data as T);
      } else {
        if (xhr.status === 401) onUnauthorized(path);
        reject(toApiError(xhr.status, data));
      }
    };
    xhr.send(form);
  });
}

/**
 * Fetches a file the API serves only with the bearer token (attachments, CSV exports): `<img src>`
 * and plain links cannot send the header, so the bytes come through fetch and are shown or saved
 * from a blob: URL (allowed by the CSP).
 */
export async function fetchFile(path: string): Promise<{ blob: Blob; filename: string | null }> {
  let res: Response;
  try {
    res = await fetch(path, { headers: headers({ accept: '*/*' }) });
  } catch {
    throw new ApiError(0, 'NETWORK', 'network error', undefined, [], undefined);
  }
  if (!res.ok) {
    const data: unknown = await res.json().catch(() => null);
    if (res.status === 401) onUnauthorized(path);
    throw toApiError(res.status, data);
  }
  return { blob: await res.blob(), filename: filenameOf(res.headers.get('content-disposition')) };
}

/** The file name of a Content-Disposition header (RFC 5987 `filename*=UTF-8''…` first). */
function filenameOf(cd: string | null): string | null {
  if (!cd) return null;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      /* fall through */
    }
  }
  const plain = /filename="?([^";]+)"?/i.exec(cd);
  return plain?.[1] ?? null;
}

/** Saves a blob as a file on the phone or computer (a temporary link with `download`). */
export function saveBlob(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
