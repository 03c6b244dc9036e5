import { useQuery } from "@tanstack/react-query";
import { useId } from "react";
import { Link, useSearchParams } from "react-router";
import { api, type Schemas } from "../../api/client";
import { asApiError, call } from "../../api/errors";
import { ErrorNote, Field, PageTitle, Spinner } from "../../components/ui";
import { formatPercent } from "../../lib/format";
import { AuditChart, DimensionChart, TrendChart } from "./charts";
import { buildHeatmap, MIN_POSTS_TO_RANK, postsLabel } from "./heatmap";
import { AuditTable, FigureTable, HeatmapTable, rate, TrendTable } from "./tables";
import { TonePerformance } from "./TonePerformance";
import "./analytics.css";

type Platform = "linkedin" | "twitter";
const PLATFORMS: { value: "" | Platform; label: string }[] = [
  { value: "", label: "All platforms" },
  { value: "linkedin", label: "LinkedIn" },
  { value: "twitter", label: "X" },
];
const PLATFORM_NAMES: Record<string, string> = { linkedin: "LinkedIn", twitter: "X" };

// The dimensions of GET /api/analytics/performance, in the order the page shows them.
const DIMENSIONS: { key: string; title: string; column: string }[] = [
  { key: "weekday", title: "By weekday", column: "Weekday" },
  { key: "hour", title: "By hour of the day", column: "Hour" },
  { key: "content_type", title: "By content type", column: "Content type" },
  { key: "length_bucket", title: "By length (characters)", column: "Length" },
  { key: "hashtag_bucket", title: "By number of hashtags", column: "Hashtags" },
  { key: "platform", title: "By platform", column: "Platform" },
  { key: "tone", title: "By tone (your latest tone analysis)", column: "Tone" },
];

function Section(props: { title: string; children: React.ReactNode; lead?: React.ReactNode }) {
  const id = useId();
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>{props.title}</h2>
      {props.lead ? <p className="muted">{props.lead}</p> : null}
      {props.children}
    </section>
  );
}

function DimensionFigure(props: { title: string; column: string; figures: Schemas["Figure"][] }) {
  const id = useId();
  return (
    <section className="dimension" aria-labelledby={id}>
      <h3 id={id}>{props.title}</h3>
      <div className="chart-and-table">
        <DimensionChart label={`Mean engagement rate ${props.title.toLowerCase()}, as bars labelled with their number of posts`} figures={props.figures} />
        <FigureTable caption={`Engagement rate ${props.title.toLowerCase()}`} dimension={props.column} figures={props.figures} />
      </div>
    </section>
  );
}

export default function AnalyticsPage() {
  const [params, setParams] = useSearchParams();
  const platformParam = params.get("platform");
  const platform: Platform | undefined = platformParam === "linkedin" || platformParam === "twitter" ? platformParam : undefined;
  const end = params.get("end") ?? "";
  const validEnd = /^\d{4}-\d{2}-\d{2}$/.test(end) ? end : undefined;

  function setParam(name: string, value: string): void {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  }

  const dashboard = useQuery({
    queryKey: ["analytics", "dashboard", validEnd ?? null],
    queryFn: () => call(api.GET("/api/analytics/dashboard", { params: { query: validEnd ? { end: validEnd } : {} } })),
  });
  const performance = useQuery({
    queryKey: ["analytics", "performance", platform ?? null],
    queryFn: () => call(api.GET("/api/analytics/performance", { params: { query: platform ? { platform } : {} } })),
  });
  const insights = useQuery({ queryKey: ["insights"], queryFn: () => call(api.GET("/api/analytics/insights")) });
  const audit = useQuery({
    queryKey: ["analytics", "prediction-audit"],
    queryFn: () => call(api.GET("/api/analytics/prediction-audit")),
  });

  const timeZone = dashboard.data?.timezone ?? performance.data?.timezone ?? "UTC";
  const heatmap = performance.data ? buildHeatmap(performance.data.dimensions["weekday_hour"] ?? []) : null;
  const perf = performance.data;

  return (
    <>
      <PageTitle lead="How your posts did: every figure says how many posts it stands on, and every chart has a table with the same figures.">
        Analytics
      </PageTitle>

      <section className="card filters" aria-labelledby="filters-title">
        <h2 id="filters-title" className="sr-only">Filters</h2>
        <div className="filter-row">
          <Field label="Platform" hint="For the performance figures and the best times.">
            {(ids) => (
              <select id={ids.id} aria-describedby={ids.describedBy} value={platform ?? ""} onChange={(e) => setParam("platform", e.target.value)}>
                {PLATFORMS.map((p) => (
                  <option key={p.value} value={p.value}>
                    {p.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Trend up to" hint="The weekly trend shows the 12 weeks up to this day; empty is today.">
            {(ids) => (
              <input id={ids.id} type="date" aria-describedby={ids.describedBy} value={end} onChange={(e) => setParam("end", e.target.value)} />
            )}
          </Field>
        </div>
      </section>

      <Section title="Weekly trend" lead={dashboard.data ? `Weeks start on Monday in your time zone (${dashboard.data.timezone}).` : undefined}>
        {dashboard.isPending ? <Spinner label="Loading the trend…" /> : null}
        <ErrorNote error={dashboard.error ? asApiError(dashboard.error) : null} what="The trend did not load" />
        {dashboard.data ? (
          <>
            <dl className="totals">
              <dt>Posts</dt>
              <dd>
                {dashboard.data.posts.total.toLocaleString()} ({dashboard.data.posts.with_engagement.toLocaleString()} with engagement figures)
              </dd>
              <dt>Scheduled this week</dt>
              <dd>{dashboard.data.scheduled_this_week.toLocaleString()}</dd>
              <dt>Engagement</dt>
              <dd>
                {Object.entries(dashboard.data.engagement_totals)
                  .map(([k, v]) => `${v.toLocaleString()} ${k}`)
                  .join(", ")}
              </dd>
            </dl>
            <div className="chart-and-table">
              <TrendChart weeks={dashboard.data.weekly} />
              <TrendTable weeks={dashboard.data.weekly} />
            </div>
          </>
        ) : null}
      </Section>

      <Section title="What stands out">
        {insights.isPending ? <Spinner label="Loading the insights…" /> : null}
        <ErrorNote error={insights.error ? asApiError(insights.error) : null} what="The insights did not load" />
        {insights.data?.message ? <p>{insights.data.message}</p> : null}
        {insights.data?.platforms.map((p) => (
          <div key={p.platform}>
            <h3>
              On {PLATFORM_NAMES[p.platform] ?? p.platform} ({postsLabel(p.rated_posts)} with a rate)
            </h3>
            <ul>
              {p.sentences.map((s) => (
                <li key={s}>{s}</li>
              ))}
            </ul>
          </div>
        ))}
        {insights.data && insights.data.platforms.length === 0 && !insights.data.message ? (
          <p>
            Nothing to say yet: <Link to="/import">import your posts</Link> with their engagement.
          </p>
        ) : null}
      </Section>

      <Section
        title="Best times to post"
        lead={`Each cell is the mean engagement rate of your posts at that weekday and hour, with how many posts it stands on. The three best cells with at least ${MIN_POSTS_TO_RANK} posts are marked “best”; darker cells did better.`}
      >
        {performance.isPending ? <Spinner label="Loading your best times…" /> : null}
        <ErrorNote error={performance.error ? asApiError(performance.error) : null} what="The best times did not load" />
        {heatmap && heatmap.hours.length ? (
          <>
            <HeatmapTable heatmap={heatmap} timeZone={timeZone} />
            <p className="muted">
              From {postsLabel(heatmap.ratedPosts)} with an exact time and engagement. Hours before the first and
              after the last column had no posts.
            </p>
          </>
        ) : heatmap ? (
          <p>No posts with an exact time and engagement figures yet.</p>
        ) : null}
      </Section>

      <Section
        title="Performance"
        lead={
          perf
            ? `${PLATFORMS.find((p) => p.value === (platform ?? ""))?.label}: a mean rate of ${rate(perf.overall.mean_rate)} over ${postsLabel(perf.overall.posts)}. How it is measured: ${perf.rate_definition}.`
            : undefined
        }
      >
        {performance.isPending ? <Spinner label="Loading the figures…" /> : null}
        <ErrorNote error={performance.error ? asApiError(performance.error) : null} what="The performance figures did not load" />
        {perf
          ? DIMENSIONS.filter((d) => (perf.dimensions[d.key]?.length ?? 0) > 0 && !(d.key === "platform" && platform)).map((d) => (
              <DimensionFigure
                key={d.key}
                title={d.title}
                column={d.column}
                figures={(perf.dimensions[d.key] ?? []).map((f) => (d.key === "platform" ? { ...f, bucket: PLATFORM_NAMES[f.bucket] ?? f.bucket } : f))}
              />
            ))
          : null}
        {perf && Object.values(perf.dimensions).every((figures) => figures.length === 0) ? (
          <p>No posts with engagement figures{platform ? " on this platform" : ""} yet.</p>
        ) : null}
      </Section>

      <TonePerformance />

      <Section title="How the predictions held up" lead="Each draft's predicted engagement against what the post really got, once its figures were imported.">
        {audit.isPending ? <Spinner label="Loading the prediction audit…" /> : null}
        <ErrorNote error={audit.error ? asApiError(audit.error) : null} what="The prediction audit did not load" />
        {audit.data && audit.data.posts === 0 ? (
          <p>
            No published post has both a prediction and real figures yet. Posts you write and publish here are compared with
            their prediction when you next import your history.
          </p>
        ) : null}
        {audit.data && audit.data.posts > 0 ? (
          <>
            <p>
              {postsLabel(audit.data.posts)} compared. The range predicted for a post aims to hold its real engagement{" "}
              {formatPercent(audit.data.versions[0]?.level ?? 0.8)} of the time.
            </p>
            <AuditTable caption="By model version" groups={audit.data.versions} />
            <h3>By month</h3>
            <div className="chart-and-table">
              <AuditChart drift={audit.data.drift} />
              <AuditTable caption="By month and model version" groups={audit.data.drift} byMonth />
            </div>
          </>
        ) : null}
      </Section>
    </>
  );
}
