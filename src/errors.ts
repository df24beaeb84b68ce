/**
 * The closed set of error codes the API can answer with, mapped once to HTTP statuses.
 * Services throw `AppError`; the HTTP layer turns it into the one error envelope.
 */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  MALFORMED_JSON: 400,
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  INVALID_CODE: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IMPORT_INVALID: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  DB_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** One problem with one field or line, so clients can point at it. */
export interface ErrorDetail {
  field?: string;
  line?: number;
  column?: string | null;
  message: string;
  messageZh?: string;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    /** Short Chinese message for the owner-facing client. */
    readonly messageZh?: string,
  ) {
    super(message);
    this.name = 'AppError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`, undefined, '未找到');
export const forbidden = (why = 'you do not have access to this') =>
  new AppError('FORBIDDEN', why, undefined, '您没有权限进行此操作');
