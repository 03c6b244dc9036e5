// Every failure of a call, in words a person can act on, with the field it belongs to when there is one.

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly code: string,
    readonly fields: Record<string, string> = {},
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

interface Violation {
  loc?: unknown[];
  msg?: string;
}

function fieldsOf(detail: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  if (!Array.isArray(detail)) return fields;
  for (const item of detail as Violation[]) {
    const path = (item.loc ?? []).filter((part) => part !== "body" && part !== "query" && part !== "path");
    const name = path.map(String).join(".") || "form";
    const message = (item.msg ?? "is not valid").replace(/^Value error, /, "");
    fields[name] = fields[name] ? `${fields[name]}; ${message}` : message;
  }
  return fields;
}

const GENERIC: Record<number, string> = {
  401: "Your session has ended. Sign in again; what you typed is kept.",
  403: "You are not allowed to do that.",
  404: "It does not exist, or it is not yours.",
  409: "It changed meanwhile, or conflicts with what exists.",
  413: "That is larger than the server accepts.",
  429: "Too many attempts.",
  500: "The server failed. Nothing you typed is lost; try again.",
  503: "A service this needs is not available right now.",
};

export function fromResponse(body: unknown, response: Response): ApiError {
  const retryHeader = Number(response.headers.get("Retry-After"));
  const retryAfter = Number.isFinite(retryHeader) && retryHeader > 0 ? retryHeader : null;
  const record = (body ?? {}) as { error?: unknown; detail?: unknown };
  const code = typeof record.error === "string" ? record.error : `http_${response.status}`;
  const fields = response.status === 422 ? fieldsOf(record.detail) : {};
  let message: string;
  if (typeof record.detail === "string" && record.detail) message = record.detail;
  else if (Object.keys(fields).length) message = "Some fields need attention.";
  else message = GENERIC[response.status] ?? `The server answered ${response.status}.`;
  return new ApiError(message, response.status, code, fields, retryAfter);
}

export const OFFLINE = "The server cannot be reached. Check your connection; nothing you typed is lost.";

/** Unwrap an openapi-fetch result: the data, or an ApiError (a network failure is one too). */
export async function call<T>(
  request: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await request;
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(OFFLINE, null, "network");
  }
  if (result.error !== undefined || !result.response.ok) throw fromResponse(result.error, result.response);
  return result.data as T;
}

export function asApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError(String(error), null, "unknown");
}
