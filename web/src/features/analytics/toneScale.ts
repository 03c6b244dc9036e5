// Helpers of the tone-against-performance section: ratios in words and the chart's log scale around 1x.

/** 1.4x, 0.85x, 12x: two significant figures; near 1 two decimals (0.98x), as the API's sentences write them. */
export function ratio(value: number): string {
  if (value >= 0.95 && value < 1.05) return `${value.toFixed(2)}x`;
  return `${Number(value.toPrecision(2))}x`;
}

/**
 * A log scale (0..1) wide enough for every interval and for 1x, so "twice" and "half" sit equally far
 * from "as usual".
 */
export function scaleFor(tones: { low: number | null; high: number | null; ratio: number | null }[]): (v: number) => number {
  const values = tones.flatMap((t) => [t.low, t.high, t.ratio]).filter((v): v is number => v !== null && v > 0);
  const logs = [...values.map(Math.log), 0];
  const spread = Math.max(Math.abs(Math.min(...logs)), Math.abs(Math.max(...logs)), Math.log(1.5));
  return (v: number) => (Math.log(Math.max(v, 1e-3)) + spread) / (2 * spread);
}
