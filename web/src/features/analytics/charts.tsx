// The charts (recharts, loaded with this screen only). Each is a picture of the table printed with it:
// the chart is an image to assistive technology, and the table carries the figures.
import {
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  LabelList,
  Line,
  LineChart,
  ReferenceLine,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { Schemas } from "../../api/client";
import { formatPercent } from "../../lib/format";
import { monthLabel, weekLabel } from "./tables";

const BRAND = "#1f3a8a";
const ACCENT = "#b45309";
const GRID = "#c9cfda";
const TICK = { fill: "#4a5160", fontSize: 12 };
/** Weekdays as three letters under the bars (the table has them in full). */
const shortLabel = (value: unknown): string => {
  const text = String(value);
  return /^(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day$/.test(text) ? text.slice(0, 3) : text;
};
const percent = (value: unknown): string => formatPercent(Number(value), 1);

function Frame(props: { label: string; children: React.ReactNode }) {
  return (
    <div className="chart" role="img" aria-label={`${props.label}. The table with it has the same figures.`}>
      {props.children}
    </div>
  );
}

export function DimensionChart(props: { label: string; figures: Schemas["Figure"][] }) {
  const data = props.figures.map((f) => ({ bucket: f.bucket, rate: f.mean_rate ?? 0, posts: `${f.posts}` }));
  return (
    <Frame label={props.label}>
      <BarChart responsive accessibilityLayer={false} data={data} margin={{ top: 22, right: 8, bottom: 4, left: 4 }} style={{ width: "100%", height: 230 }}>
        <CartesianGrid vertical={false} stroke={GRID} />
        <XAxis dataKey="bucket" tick={TICK} interval={data.length > 8 ? "preserveStartEnd" : 0} tickFormatter={shortLabel} />
        <YAxis tickFormatter={percent} tick={TICK} width={52} />
        <Tooltip formatter={(value) => [percent(value), "Mean rate"]} isAnimationActive={false} />
        <Bar dataKey="rate" fill={BRAND} isAnimationActive={false} radius={[3, 3, 0, 0]}>
          <LabelList dataKey="posts" position="top" fill="#1a1d24" fontSize={11} formatter={(v: unknown) => `n=${String(v)}`} />
        </Bar>
      </BarChart>
    </Frame>
  );
}

export function TrendChart(props: { weeks: Schemas["WeekOut"][] }) {
  const data = props.weeks.map((w) => ({ week: weekLabel(w.week_start), rate: w.mean_rate, posts: w.posts }));
  return (
    <Frame label="Weekly mean engagement rate as a line and posts per week as bars, for the last 12 weeks">
      <ComposedChart responsive accessibilityLayer={false} data={data} margin={{ top: 10, right: 4, bottom: 4, left: 4 }} style={{ width: "100%", height: 250 }}>
        <CartesianGrid vertical={false} stroke={GRID} />
        <XAxis dataKey="week" tick={TICK} interval="preserveStartEnd" />
        <YAxis yAxisId="rate" tickFormatter={percent} tick={TICK} width={52} />
        <YAxis yAxisId="posts" orientation="right" allowDecimals={false} tick={TICK} width={32} />
        <Tooltip isAnimationActive={false} formatter={(value, name) => (name === "Mean rate" ? [percent(value), name] : [String(value), name])} />
        <Bar yAxisId="posts" dataKey="posts" name="Posts" fill="#bcd0f7" stroke={BRAND} isAnimationActive={false} />
        <Line yAxisId="rate" dataKey="rate" name="Mean rate" stroke={ACCENT} strokeWidth={3} dot={{ r: 4 }} connectNulls isAnimationActive={false} />
      </ComposedChart>
    </Frame>
  );
}

export function AuditChart(props: { drift: Schemas["AuditGroup"][] }) {
  const level = props.drift[0]?.level ?? 0.8;
  const data = props.drift.map((g) => ({ month: `${monthLabel(g.month)} · v${g.model_version}`, hit: g.interval_hit_rate }));
  return (
    <Frame label={`Share of posts whose real engagement fell inside the predicted range, by month and model version, against the ${formatPercent(level)} aimed at`}>
      <LineChart responsive accessibilityLayer={false} data={data} margin={{ top: 10, right: 8, bottom: 4, left: 4 }} style={{ width: "100%", height: 220 }}>
        <CartesianGrid vertical={false} stroke={GRID} />
        <XAxis dataKey="month" tick={TICK} />
        <YAxis domain={[0, 1]} tickFormatter={percent} tick={TICK} width={52} />
        <ReferenceLine y={level} stroke={ACCENT} strokeDasharray="6 4" label={{ value: "aimed at", fill: "#1a1d24", fontSize: 11, position: "insideTopRight" }} />
        <Tooltip isAnimationActive={false} formatter={(value) => [percent(value), "Inside the range"]} />
        <Line dataKey="hit" stroke={BRAND} strokeWidth={3} dot={{ r: 4 }} isAnimationActive={false} />
      </LineChart>
    </Frame>
  );
}
