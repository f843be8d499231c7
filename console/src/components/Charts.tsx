/**
 * Small SVG charts for the console (lab trends, adherence, analytics). Hand-written rather than a charting
 * library: a line and a bar chart are ~100 lines, keep the first load far under its budget, and stay
 * accessible — each chart is a labelled image with its numbers in a table for screen readers and for copying.
 */

export interface Point {
  /** The x label (a date, a day, a name). */
  x: string;
  y: number;
}

export interface Series {
  name: string;
  points: Point[];
}

const W = 640;
const H = 220;
const PAD = { top: 12, right: 12, bottom: 28, left: 44 };
const COLORS = ["#0b6bcb", "#c2410c", "#15803d", "#7c3aed", "#b91c1c", "#0f766e"];

function scale(max: number): { top: number; ticks: number[] } {
  if (max <= 0) return { top: 1, ticks: [0, 1] };
  const step = Math.pow(10, Math.floor(Math.log10(max)));
  const top = Math.ceil(max / step) * step;
  const n = top / step <= 5 ? top / step : Math.ceil(top / step / 2);
  const tick = top / n;
  return { top, ticks: Array.from({ length: n + 1 }, (_, i) => +(i * tick).toPrecision(6)) };
}

function DataTable({ series, unit }: { series: Series[]; unit?: string }) {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))];
  return (
    <table className="visually-hidden">
      <thead>
        <tr>
          <th scope="col">Label</th>
          {series.map((s) => (
            <th key={s.name} scope="col">
              {s.name}
              {unit ? ` (${unit})` : ""}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {xs.map((x) => (
          <tr key={x}>
            <th scope="row">{x}</th>
            {series.map((s) => (
              <td key={s.name}>{s.points.find((p) => p.x === x)?.y ?? ""}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Axes({ ticks, top, xs }: { ticks: number[]; top: number; xs: string[] }) {
  const ih = H - PAD.top - PAD.bottom;
  const iw = W - PAD.left - PAD.right;
  const every = Math.max(1, Math.ceil(xs.length / 8));
  return (
    <g fontSize="11" fill="#555">
      {ticks.map((t) => {
        const y = PAD.top + ih - (t / top) * ih;
        return (
          <g key={t}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y} y2={y} stroke="#e5e7eb" />
            <text x={PAD.left - 6} y={y + 4} textAnchor="end">
              {t}
            </text>
          </g>
        );
      })}
      {xs.map((x, i) =>
        i % every === 0 ? (
          <text key={x} x={PAD.left + ((i + 0.5) * iw) / xs.length} y={H - 8} textAnchor="middle">
            {x}
          </text>
        ) : null,
      )}
    </g>
  );
}

/** Lines over shared x labels (in the order first seen). */
export function LineChart({ title, series, unit }: { title: string; series: Series[]; unit?: string }) {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))];
  const { top, ticks } = scale(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p.y))));
  const ih = H - PAD.top - PAD.bottom;
  const iw = W - PAD.left - PAD.right;
  const at = (x: string, y: number) =>
    `${PAD.left + ((xs.indexOf(x) + 0.5) * iw) / Math.max(1, xs.length)},${PAD.top + ih - (y / top) * ih}`;
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title} preserveAspectRatio="xMidYMid meet">
        <Axes ticks={ticks} top={top} xs={xs} />
        {series.map((s, i) => (
          <g key={s.name} stroke={COLORS[i % COLORS.length]} fill={COLORS[i % COLORS.length]}>
            <polyline fill="none" strokeWidth="2" points={s.points.map((p) => at(p.x, p.y)).join(" ")} />
            {s.points.map((p) => {
              const [cx, cy] = at(p.x, p.y).split(",");
              return <circle key={p.x} cx={cx} cy={cy} r="3" />;
            })}
          </g>
        ))}
      </svg>
      {series.length > 1 && <Legend series={series} />}
      <DataTable series={series} unit={unit} />
    </figure>
  );
}

/** Bars, grouped by x label when there are several series. */
export function BarChart({ title, series, unit }: { title: string; series: Series[]; unit?: string }) {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))];
  const { top, ticks } = scale(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p.y))));
  const ih = H - PAD.top - PAD.bottom;
  const slot = (W - PAD.left - PAD.right) / Math.max(1, xs.length);
  const bar = (slot * 0.8) / Math.max(1, series.length);
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title} preserveAspectRatio="xMidYMid meet">
        <Axes ticks={ticks} top={top} xs={xs} />
        {series.map((s, i) =>
          s.points.map((p) => {
            const h = (p.y / top) * ih;
            return (
              <rect
                key={`${s.name}-${p.x}`}
                x={PAD.left + xs.indexOf(p.x) * slot + slot * 0.1 + i * bar}
                y={PAD.top + ih - h}
                width={bar}
                height={h}
                fill={COLORS[i % COLORS.length]}
              />
            );
          }),
        )}
      </svg>
      {series.length > 1 && <Legend series={series} />}
      <DataTable series={series} unit={unit} />
    </figure>
  );
}

function Legend({ series }: { series: Series[] }) {
  return (
    <ul className="legend" aria-hidden="true">
      {series.map((s, i) => (
        <li key={s.name}>
          <span className="swatch" style={{ background: COLORS[i % COLORS.length] }} />
          {s.name}
        </li>
      ))}
    </ul>
  );
}
