// Connecting an account: what the platform's answer means, in words.
import { ApiError } from "../../api/errors";
import { platformName } from "../../lib/format";

export type Platform = "twitter" | "linkedin";
export const PLATFORMS: Platform[] = ["twitter", "linkedin"];

export function isPlatform(value: string | undefined): value is Platform {
  return value === "twitter" || value === "linkedin";
}

/** How the account is named: X usernames with an @, LinkedIn members by their name. */
export function handleOf(platform: string, handle: string): string {
  return platform === "twitter" && !handle.startsWith("@") ? `@${handle}` : handle;
}

/** The query the callback page passes on to the API: state, and code or error (nothing else). */
export function callbackQuery(search: string): { state: string; code?: string; error?: string } | null {
  const params = new URLSearchParams(search);
  const state = params.get("state");
  if (!state) return null;
  const code = params.get("code");
  const error = params.get("error");
  return { state, ...(code ? { code } : {}), ...(error ? { error } : {}) };
}

/** The callback's failure, said for a person: what happened and what to do. */
export function callbackFailure(platform: string, refused: string | undefined, error: ApiError): string {
  const name = platformName(platform);
  if (error.status === 403 && refused) {
    return refused === "access_denied"
      ? `You chose Cancel on ${name}'s page, so nothing was connected. Connect again whenever you like.`
      : `${name} did not authorise the connection (${refused}). Nothing was connected.`;
  }
  if (error.status === 403) {
    return `This sign-in link was already used or has expired (it lasts 10 minutes). Nothing was connected; start connecting again. (${error.message})`;
  }
  if (error.status === 400) {
    return `${name} did not accept the authorisation code, so nothing was connected; start connecting again. (${error.message})`;
  }
  if (error.status === 503) return `${name} is not answering right now. ${error.message}`;
  return error.message;
}

/** The connect button's failure: a 503 means this server has no client id for the platform. */
export function connectFailure(platform: string, error: ApiError): ApiError {
  if (error.status !== 503) return error;
  return new ApiError(
    `Connecting ${platformName(platform)} is not set up on this server yet (it has no client id for it). Whoever runs Postwright can add one. (${error.message})`,
    503,
    error.code,
    {},
    null,
  );
}
