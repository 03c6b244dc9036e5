// Tone against performance: how each of the user's tones did against their own usual, with its 90% interval,
// the posts behind it and a sentence that claims only what the interval supports (GET
// /api/analytics/tone-performance). The chart is an SVG of intervals around 1x; the table says the same.
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { api, type Schemas } from "../../api/client";
import { asApiError, call } from "../../api/errors";
import { ErrorNote, Spinner } from "../../components/ui";
import { ratio, scaleFor } from "./toneScale";
import { platformName } from "../../lib/format";
import "./tone-performance.css";

type Impact = Schemas["ToneImpactOut"];
type Platform = Schemas["PlatformToneImpactOut"];

const VERDICT: Record<Impact["verdict"], string> = {
  better: "More than usual",
  worse: "Less than usual",
  no_difference: "No difference shown",
  not_enough: "Not enough posts",
};

function IntervalChart(props: { tones: Impact[]; caption: string }) {
  const shown = props.tones.filter((t) => t.ratio !== null);
  if (!shown.length) return null;
  const scale = scaleFor(shown);
  const row = 30;
  const left = 120;
  const width = 300;
  const x = (v: number) => left + scale(v) * width;
  return (
    <svg
      className="tone-intervals"
      viewBox={`0 0 ${left + width + 10} ${shown.length * row + 24}`}
      role="img"
      aria-label={`${props.caption}: each tone's typical post against your usual, with its 90% interval; the table has the same figures`}
    >
      <line x1={x(1)} x2={x(1)} y1={0} y2={shown.length * row} className="tone-one" />
      <text x={x(1)} y={shown.length * row + 16} textAnchor="middle" className="tone-axis">
        1x (your usual)
      </text>
      {shown.map((t, i) => (
        <g key={t.tone} transform={`translate(0 ${i * row})`}>
          <text x={0} y={row / 2 + 5} className="tone-name">
            {t.tone}
          </text>
          <line x1={x(t.low ?? 1)} x2={x(t.high ?? 1)} y1={row / 2} y2={row / 2} className={`tone-range tone-${t.verdict}`} />
          <circle cx={x(t.ratio ?? 1)} cy={row / 2} r={5} className={`tone-point tone-${t.verdict}`} />
        </g>
      ))}
    </svg>
  );
}

function ImpactTable(props: { tones: Impact[]; caption: string }) {
  return (
    <div className="table-scroll" role="region" aria-label={props.caption} tabIndex={0}>
      <table className="data-table">
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">Tone</th>
            <th scope="col">Typical post vs your usual</th>
            <th scope="col">90% interval</th>
            <th scope="col">Posts</th>
            <th scope="col">Verdict</th>
          </tr>
        </thead>
        <tbody>
          {props.tones.map((t) => (
            <tr key={t.tone}>
              <th scope="row">{t.tone}</th>
              <td>{t.ratio === null ? "—" : ratio(t.ratio)}</td>
              <td>{t.low === null || t.high === null ? "—" : `${ratio(t.low)} to ${ratio(t.high)}`}</td>
              <td>{t.posts}</td>
              <td className={`verdict verdict-${t.verdict}`}>{VERDICT[t.verdict]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function MonthTable(props: { platform: Platform }) {
  const tones = props.platform.tones.filter((t) => t.posts > 0).map((t) => t.tone);
  const caption = `${platformName(props.platform.platform)}: each tone by month (typical post vs your usual, 90% interval, posts)`;
  return (
    <div className="table-scroll" role="region" aria-label={caption} tabIndex={0}>
      <table className="data-table tone-months">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Month</th>
            {tones.map((tone) => (
              <th scope="col" key={tone}>
                {tone}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.platform.months.map((month) => (
            <tr key={month.month}>
              <th scope="row">{month.month}</th>
              {tones.map((tone) => {
                const cell = month.tones.find((t) => t.tone === tone);
                if (!cell) return <td key={tone}>no posts</td>;
                return (
                  <td key={tone}>
                    {cell.ratio === null || cell.low === null || cell.high === null
                      ? `not enough (${cell.posts} posts)`
                      : `${ratio(cell.ratio)} (${ratio(cell.low)} to ${ratio(cell.high)}, ${cell.posts} posts)`}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function TonePerformance() {
  const query = useQuery({
    queryKey: ["analytics", "tone-performance"],
    queryFn: () => call(api.GET("/api/analytics/tone-performance")),
  });
  return (
    <section className="card" aria-labelledby="tone-performance-title">
      <h2 id="tone-performance-title">Your tones against your usual</h2>
      {query.isPending ? (
        <Spinner label="Comparing your tones…" />
      ) : query.error ? (
        <ErrorNote error={asApiError(query.error)} what="Tone against performance did not load" />
      ) : (
        <ToneBody data={query.data} />
      )}
    </section>
  );
}

function ToneBody(props: { data: Schemas["TonePerformanceOut"] }) {
  const data = props.data;
  return (
    <>
      <p className="hint">
        Your usual is {data.baseline}. Each figure is the typical post in that tone divided by its usual, with a{" "}
        {Math.round(data.interval * 100)}% interval; below {data.min_posts} posts in a tone nothing is claimed.
        {data.model_version ? ` Tones from your latest analysis (tone model version ${data.model_version}).` : ""}
      </p>
      {data.message ? (
        <p>
          {data.message} <Link to="/import">Import your posts</Link>.
        </p>
      ) : null}
      {data.platforms.map((platform) => {
        const name = platformName(platform.platform);
        const written = platform.tones.filter((t) => t.posts > 0);
        const unused = platform.tones.filter((t) => t.posts === 0).map((t) => t.tone);
        return (
          <section key={platform.platform} className="tone-platform" aria-label={`${name} tones`}>
            <h3>{name}</h3>
            <p>
              {platform.compared_posts} of your {platform.rated_posts} {name} posts with engagement have a usual to
              compare with
              {platform.unread_posts ? `; ${platform.unread_posts} of them are not yet read by a tone analysis` : ""}.
            </p>
            <ul className="tone-sentences">
              {written.map((t) => (
                <li key={t.tone}>{t.sentence}</li>
              ))}
            </ul>
            {unused.length ? <p className="hint">None of your {name} posts read as {unused.join(", ")}.</p> : null}
            {written.length ? (
              <figure className="chart-with-table">
                <figcaption>{name}: your tones against your usual</figcaption>
                <IntervalChart tones={written} caption={`${name} tones`} />
                <ImpactTable tones={written} caption={`${name}: each tone against your usual`} />
              </figure>
            ) : null}
            {platform.months.length ? (
              <details className="tone-by-month">
                <summary>By month, to see change</summary>
                <MonthTable platform={platform} />
              </details>
            ) : null}
          </section>
        );
      })}
    </>
  );
}
