// The table alternatives: every figure a chart draws, in words, with the number of posts behind it.
import { useId, type ReactNode } from "react";
import type { Schemas } from "../../api/client";
import { formatNumber, formatPercent } from "../../lib/format";
import { hourLabel, postsLabel, shade, WEEKDAYS, type Heatmap } from "./heatmap";

type Figure = Schemas["Figure"];
type Week = Schemas["WeekOut"];
type AuditGroup = Schemas["AuditGroup"];

export function rate(value: number | null | undefined): string {
  return value === null || value === undefined ? "no rate" : formatPercent(value, 2);
}

export function interval(figure: Pick<Figure, "ci_low" | "ci_high">): string {
  if (figure.ci_low === null || figure.ci_low === undefined || figure.ci_high === null || figure.ci_high === undefined)
    return "too few posts";
  return `${formatPercent(Math.max(0, figure.ci_low), 2)} to ${formatPercent(figure.ci_high, 2)}`;
}

export function lift(value: number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  if (Math.abs(value) < 0.005) return "the same";
  const pct = formatPercent(Math.abs(value), 0);
  return value >= 0 ? `${pct} above` : `${pct} below`;
}

/** A table that scrolls inside its own labelled region when it is wider than the screen. */
export function ScrollTable(props: { caption: string; children: ReactNode; className?: string }) {
  const id = useId();
  // The caption is shown above the scrolling box (a caption inside it would scroll away with the table);
  // the table keeps its own caption for assistive technology.
  return (
    <div className="table-block">
      <p className="table-title" id={id} aria-hidden="true">
        {props.caption}
      </p>
      <div className="table-scroll" role="region" aria-labelledby={id} tabIndex={0}>
        <table className={`data-table ${props.className ?? ""}`}>
          <caption className="sr-only">{props.caption}</caption>
          {props.children}
        </table>
      </div>
    </div>
  );
}

export function FigureTable(props: { caption: string; dimension: string; figures: Figure[] }) {
  return (
    <ScrollTable caption={props.caption}>
      <thead>
        <tr>
          <th scope="col">{props.dimension}</th>
          <th scope="col">Posts</th>
          <th scope="col">Mean rate</th>
          <th scope="col">95% interval</th>
          <th scope="col">Against your average</th>
        </tr>
      </thead>
      <tbody>
        {props.figures.map((f) => (
          <tr key={f.bucket}>
            <th scope="row">{f.bucket}</th>
            <td>{f.posts.toLocaleString()}</td>
            <td>{rate(f.mean_rate)}</td>
            <td>{interval(f)}</td>
            <td>{lift(f.lift_vs_overall)}</td>
          </tr>
        ))}
      </tbody>
    </ScrollTable>
  );
}

export function weekLabel(weekStart: string): string {
  return new Date(`${weekStart}T12:00:00Z`).toLocaleDateString(undefined, { day: "numeric", month: "short", timeZone: "UTC" });
}

export function TrendTable(props: { weeks: Week[] }) {
  return (
    <ScrollTable caption="Weekly engagement, oldest week first">
      <thead>
        <tr>
          <th scope="col">Week of</th>
          <th scope="col">Mean rate</th>
          <th scope="col">Engagements</th>
          <th scope="col">Posts</th>
          <th scope="col">Posts with a rate</th>
        </tr>
      </thead>
      <tbody>
        {props.weeks.map((w) => (
          <tr key={w.week_start}>
            <th scope="row">{weekLabel(w.week_start)}</th>
            <td>{rate(w.mean_rate)}</td>
            <td>{w.engagements.toLocaleString()}</td>
            <td>{w.posts.toLocaleString()}</td>
            <td>{w.rated_posts.toLocaleString()}</td>
          </tr>
        ))}
      </tbody>
    </ScrollTable>
  );
}

export function monthLabel(iso: string | null | undefined): string {
  if (!iso) return "–";
  return new Date(iso).toLocaleDateString(undefined, { month: "long", year: "numeric", timeZone: "UTC" });
}

/** Bias in words: log1p(actual) - log1p(predicted) above 0 means the model predicted too low. */
export function bias(value: number): string {
  const factor = Math.exp(Math.abs(value));
  if (Math.abs(value) < 0.05) return "about right";
  return `${formatNumber(factor, 1)}× too ${value > 0 ? "low" : "high"}`;
}

export function AuditTable(props: { caption: string; groups: AuditGroup[]; byMonth?: boolean }) {
  return (
    <ScrollTable caption={props.caption}>
      <thead>
        <tr>
          {props.byMonth ? <th scope="col">Month</th> : null}
          <th scope="col">Model version</th>
          <th scope="col">Posts</th>
          <th scope="col">Inside the interval</th>
          <th scope="col">Typical miss</th>
          <th scope="col">Predictions were</th>
        </tr>
      </thead>
      <tbody>
        {props.groups.map((g) => (
          <tr key={`${g.month ?? ""}-${g.model_version}`}>
            {props.byMonth ? <th scope="row">{monthLabel(g.month)}</th> : null}
            {props.byMonth ? <td>{g.model_version}</td> : <th scope="row">{g.model_version}</th>}
            <td>{g.posts.toLocaleString()}</td>
            <td>
              {formatPercent(g.interval_hit_rate)} (aimed at {formatPercent(g.level)})
            </td>
            <td>{formatNumber(Math.expm1(g.mae_log) * 100)}% off</td>
            <td>{bias(g.bias_log)}</td>
          </tr>
        ))}
      </tbody>
    </ScrollTable>
  );
}

/** The best-times heatmap, as the table it is: every cell says its rate and its posts in text. */
export function HeatmapTable(props: { heatmap: Heatmap; timeZone: string }) {
  const { heatmap } = props;
  return (
    <ScrollTable
      className="heatmap"
      caption={`Mean engagement rate by weekday and hour (${props.timeZone} time), with the posts behind each cell`}
    >
      <thead>
        <tr>
          <th scope="col">Day</th>
          {heatmap.hours.map((hour) => (
            <th scope="col" key={hour}>
              {hourLabel(hour)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {heatmap.rows.map((row, weekday) => (
          <tr key={WEEKDAYS[weekday]}>
            <th scope="row">{WEEKDAYS[weekday]}</th>
            {row.map((cell) => (
              <td key={cell.hour} className={`heat heat-${shade(cell.meanRate, heatmap.maxRate)}`}>
                {cell.meanRate === null ? (
                  <span className="heat-empty">–<span className="sr-only"> no posts</span></span>
                ) : (
                  <>
                    <span className="heat-rate">{rate(cell.meanRate)}</span>
                    <span className="heat-posts">{postsLabel(cell.posts)}</span>
                    {cell.rank ? <span className="heat-rank">best #{cell.rank}</span> : null}
                  </>
                )}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </ScrollTable>
  );
}
