import { describe, expect, it } from "vitest";
import { ApiError } from "../../api/errors";
import { callbackFailure, callbackQuery, connectFailure, handleOf } from "./connect";

describe("the OAuth callback", () => {
  it("passes on state with code, or state with error, and nothing else", () => {
    expect(callbackQuery("?code=abc&state=s1&extra=1")).toEqual({ state: "s1", code: "abc" });
    expect(callbackQuery("?error=access_denied&state=s2")).toEqual({ state: "s2", error: "access_denied" });
    expect(callbackQuery("?code=abc")).toBeNull();
  });

  it("says a refusal, a used state and a bad code in words", () => {
    const forbidden = new ApiError("The platform did not authorise the connection: access_denied.", 403, "forbidden");
    expect(callbackFailure("twitter", "access_denied", forbidden)).toMatch(/You chose Cancel on X's page/);
    const used = new ApiError("This authorisation was already used or has expired; start connecting again.", 403, "forbidden");
    expect(callbackFailure("linkedin", undefined, used)).toMatch(/already used or has expired/);
    const bad = new ApiError("The platform refused the authorisation: invalid_grant", 400, "bad_request");
    expect(callbackFailure("twitter", undefined, bad)).toMatch(/X did not accept the authorisation code/);
  });

  it("names X accounts with an @ and LinkedIn members by name", () => {
    expect(handleOf("twitter", "grace")).toBe("@grace");
    expect(handleOf("linkedin", "Grace Hopper")).toBe("Grace Hopper");
  });

  it("says a 503 from connect as a server without a client id", () => {
    const error = connectFailure("twitter", new ApiError("Connecting X is not configured on this server: set X_CLIENT_ID (and its secret).", 503, "service_unavailable", {}, 3600));
    expect(error.message).toMatch(/not set up on this server/);
    expect(error.retryAfter).toBeNull();
  });
});
