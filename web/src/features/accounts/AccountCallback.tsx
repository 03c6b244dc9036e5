import { useEffect, useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useLocation, useNavigate, useParams } from "react-router";
import { api } from "../../api/client";
import { ApiError, asApiError, call } from "../../api/errors";
import { ErrorNote, PageTitle, Spinner } from "../../components/ui";
import { startConnect } from "./AccountsPage";
import { callbackFailure, callbackQuery, connectFailure, handleOf, isPlatform, type Platform } from "./connect";
import { platformName } from "../../lib/format";
import "./accounts.css";

/**
 * Where X or LinkedIn sends the browser back. The code and state are handed to the API once (a state is
 * single-use); then the page goes to the accounts, or says what went wrong in words.
 */
export default function AccountCallback() {
  const { platform = "" } = useParams();
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const query = callbackQuery(location.search);
  const name = platformName(platform);
  const known = isPlatform(platform);
  const result = useQuery({
    queryKey: ["oauth-callback", platform, query?.state ?? ""],
    enabled: known && query !== null,
    queryFn: () => call(api.GET("/api/accounts/{platform}/callback", { params: { path: { platform: platform as Platform }, query: query ?? { state: "" } } })),
    retry: false,
    staleTime: Infinity,
    gcTime: Infinity,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
  });
  const account = result.data;
  useEffect(() => {
    if (!account) return;
    void queryClient.invalidateQueries({ queryKey: ["accounts"] });
    // Replace the address: the code leaves the history, and Back does not spend the state again.
    navigate("/accounts", { replace: true, state: { connected: `Connected ${platformName(account.platform)} as ${handleOf(account.platform, account.handle)}. It is active.` } });
  }, [account, navigate, queryClient]);

  const [retrying, setRetrying] = useState(false);
  const [retryError, setRetryError] = useState<ApiError | null>(null);

  let problem: string | null = null;
  if (!known) problem = `Postwright does not connect "${platform}". Go back to your accounts and pick X or LinkedIn.`;
  else if (query === null) problem = `This page is where ${name} sends you back after you approve Postwright, but the address has no state in it. Start connecting again from your accounts.`;
  else if (result.error) problem = callbackFailure(platform, query.error, asApiError(result.error));

  return (
    <>
      <PageTitle>{problem ? `${name} was not connected` : `Connecting ${name}`}</PageTitle>
      {problem ? (
        <section className="card" aria-label="What happened">
          <ErrorNote error={new ApiError(problem, result.error ? asApiError(result.error).status : null, "callback")} />
          <div className="actions">
            {known ? (
              <button
                type="button"
                disabled={retrying}
                onClick={() => {
                  setRetrying(true);
                  setRetryError(null);
                  startConnect(platform).catch((caught: unknown) => {
                    setRetryError(connectFailure(platform, asApiError(caught)));
                    setRetrying(false);
                  });
                }}
              >
                {retrying ? `Opening ${name}…` : `Connect ${name} again`}
              </button>
            ) : null}
            <Link className="button secondary" to="/accounts">
              Back to your accounts
            </Link>
          </div>
          <ErrorNote error={retryError} what={`${name} was not connected`} />
        </section>
      ) : (
        <Spinner label={account ? `Connected as ${handleOf(platform, account.handle)}; opening your accounts…` : `Finishing the connection with ${name}…`} />
      )}
    </>
  );
}
