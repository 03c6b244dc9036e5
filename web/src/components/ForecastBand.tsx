import { formatNumber } from "../lib/format";

export interface Forecast {
  expected: number;
  interval: { low: number; high: number; level: number };
  percentile: number;
  vs_your_median: number;
}

/** Expected engagements as a marker inside its interval, drawn as a band on a scale from 0, with the
 * same figures in words (the drawing is never the only way to read them). */
export function ForecastBand(props: { forecast: Forecast }) {
  const { expected, interval, percentile, vs_your_median } = props.forecast;
  const top = Math.max(interval.high * 1.15, expected * 1.15, 1);
  const x = (value: number): number => 8 + (Math.max(0, value) / top) * 284;
  const level = Math.round(interval.level * 100);
  const summary =
    `About ${formatNumber(expected)} engagements expected; ${level}% likely between ` +
    `${formatNumber(interval.low)} and ${formatNumber(interval.high)}.`;
  return (
    <div className="forecast-band">
      <svg viewBox="0 0 300 44" role="img" aria-label={summary}>
        <line x1="8" x2="292" y1="22" y2="22" className="band-axis" />
        <rect
          data-testid="band"
          x={x(interval.low)}
          y="12"
          width={Math.max(2, x(interval.high) - x(interval.low))}
          height="20"
          rx="4"
          className="band-range"
        />
        <line x1={x(expected)} x2={x(expected)} y1="6" y2="38" className="band-marker" />
        <text x="8" y="43" className="band-tick">
          0
        </text>
        <text x="292" y="43" textAnchor="end" className="band-tick">
          {formatNumber(top)}
        </text>
      </svg>
      <p className="forecast-summary">{summary}</p>
      <p className="forecast-summary">
        Better than {formatNumber(percentile)}% of your posts;{" "}
        {vs_your_median >= 1
          ? `${formatNumber(vs_your_median, 1)}× your typical post.`
          : `${formatNumber(vs_your_median * 100)}% of your typical post.`}
      </p>
    </div>
  );
}
