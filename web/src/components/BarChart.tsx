import { formatPercent } from "../lib/format";

/** A horizontal bar chart with the same figures as a table beside it: the chart is never the only way. */
export function BarChart(props: { title: string; data: { label: string; value: number }[] }) {
  const max = Math.max(...props.data.map((d) => d.value), 0.0001);
  return (
    <figure className="chart-with-table">
      <figcaption>{props.title}</figcaption>
      <div className="chart-grid">
        <svg
          className="bar-chart"
          viewBox={`0 0 300 ${props.data.length * 28}`}
          role="img"
          aria-label={`${props.title}, as bars; the table beside it has the same figures`}
        >
          {props.data.map((d, i) => (
            <g key={d.label} transform={`translate(0 ${i * 28})`}>
              <text x="0" y="17" className="bar-label">
                {d.label}
              </text>
              <rect x="110" y="5" width={Math.max(1, (d.value / max) * 180)} height="16" rx="3" className="bar" />
            </g>
          ))}
        </svg>
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Tone</th>
              <th scope="col">Share</th>
            </tr>
          </thead>
          <tbody>
            {props.data.map((d) => (
              <tr key={d.label}>
                <th scope="row">{d.label}</th>
                <td>{formatPercent(d.value, 1)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
