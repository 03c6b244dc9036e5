import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { api } from "../../api/client";
import { call } from "../../api/errors";
import { ErrorNote, PageTitle, Spinner } from "../../components/ui";
import { asApiError } from "../../api/errors";
import { platformName } from "../../lib/format";

interface Step {
  done: boolean;
  title: string;
  detail: string;
  to: string;
  action: string;
}

export function Home() {
  const profile = useQuery({ queryKey: ["profile"], queryFn: () => call(api.GET("/api/users/profile")) });
  const posts = useQuery({
    queryKey: ["posts", "count"],
    queryFn: () => call(api.GET("/api/posts", { params: { query: { limit: 1 } } })),
  });
  const drafts = useQuery({
    queryKey: ["drafts", "waiting"],
    queryFn: () => call(api.GET("/api/content/drafts", { params: { query: { status: ["draft"], limit: 5 } } })),
  });
  const accounts = useQuery({ queryKey: ["accounts"], queryFn: () => call(api.GET("/api/accounts")) });
  const failed = [profile, posts, drafts, accounts].find((q) => q.error);
  if (profile.isPending || posts.isPending || drafts.isPending || accounts.isPending) {
    return <Spinner label="Loading your home page…" />;
  }
  const name = profile.data?.name ?? "";
  const postCount = posts.data?.total ?? 0;
  const draftCount = drafts.data?.total ?? 0;
  const connected = (accounts.data?.items ?? []).filter((a) => a.status === "active").length;
  const steps: Step[] = [
    {
      done: Boolean(profile.data?.onboarded),
      title: "Tell Postwright about you",
      detail: "Your role, niche, goals and time zone shape every draft.",
      to: "/onboarding",
      action: profile.data?.onboarded ? "Edit your profile" : "Set up your profile",
    },
    {
      done: postCount > 0,
      title: "Import your past posts",
      detail: postCount
        ? `${postCount.toLocaleString()} posts imported. Import more any time.`
        : "An X analytics CSV, a LinkedIn export or JSON: your voice is learned from them.",
      to: "/import",
      action: postCount ? "Import more" : "Import your posts",
    },
    {
      done: postCount > 0,
      title: "See your voice",
      detail: "Your main tone, habits and words, as the models see them.",
      to: "/voice",
      action: "See your voice",
    },
    {
      done: draftCount > 0,
      title: "Generate drafts in your voice",
      detail: "Several variants with a voice match and an engagement forecast each.",
      to: "/generate",
      action: "Generate drafts",
    },
    {
      done: connected > 0,
      title: "Connect an account",
      detail: connected
        ? `${connected} account${connected === 1 ? "" : "s"} connected.`
        : "Connect X or LinkedIn so scheduled posts go out on their own.",
      to: "/onboarding",
      action: "Connected accounts",
    },
  ];
  const next = steps.find((s) => !s.done);
  return (
    <>
      <PageTitle lead="What to do next, and what is waiting for you.">
        {name ? `Welcome, ${name}` : "Welcome"}
      </PageTitle>
      {failed?.error ? <ErrorNote error={asApiError(failed.error)} what="Part of this page did not load" /> : null}
      {next ? (
        <section className="card" aria-labelledby="next-step">
          <h2 id="next-step">Next step: {next.title}</h2>
          <p>{next.detail}</p>
          <Link className="button" to={next.to}>
            {next.action}
          </Link>
        </section>
      ) : null}
      <section className="card" aria-labelledby="drafts-waiting">
        <h2 id="drafts-waiting">Drafts waiting</h2>
        {draftCount === 0 ? (
          <p>
            No drafts yet. <Link to="/generate">Generate some</Link> or <Link to="/drafts/new">write one</Link>.
          </p>
        ) : (
          <ul>
            {(drafts.data?.items ?? []).map((draft) => (
              <li key={draft.id}>
                <Link to={`/drafts/${draft.id}`}>
                  {platformName(draft.platform)}: {draft.content.slice(0, 80)}
                  {draft.content.length > 80 ? "…" : ""}
                </Link>
              </li>
            ))}
          </ul>
        )}
        {draftCount > 5 ? <p className="muted">and {draftCount - 5} more.</p> : null}
      </section>
      <section className="card" aria-labelledby="getting-started">
        <h2 id="getting-started">Getting started</h2>
        <ol className="steps">
          {steps.map((step) => (
            <li key={step.title}>
              <span className={step.done ? "done-step" : undefined}>
                {step.done ? "Done: " : ""}
                <Link to={step.to}>{step.title}</Link>
              </span>{" "}
              <span className="muted">{step.detail}</span>
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}
