/**
 * The dashboard's charts, drawn with uPlot (a small canvas chart library, pinned in package.json).
 * It travels in the metrics screen's own chunk, fetched when an admin opens the dashboard (see ``App``),
 * so the boards never download it. Each chart is an image for a screen reader (its `label`
 * says what it shows); the numbers themselves are in the table beside it.
 */
import { useEffect, useMemo, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { type StageSeries, count, decimal, hourSpan } from "./metrics";

const BLUE = "#0033a0";
const AMBER = "#8a5a00";
const RED = "#b3261e";
const MUTED = "#4a5160";
const GRID = "#e3e6ec";
const FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

/** Phones get a shorter chart, so the numbers below it stay in reach. */
const heightFor = (width: number) => (width < 480 ? 190 : 230);

function axis(values: uPlot.Axis["values"], extra: uPlot.Axis = {}): uPlot.Axis {
  return { stroke: MUTED, font: FONT, grid: { stroke: GRID, width: 1 }, ticks: { stroke: GRID, width: 1 }, values, ...extra };
}

/**
 * One uPlot in a box that follows its container's width (a phone turned, a window resized). It is drawn
 * again when `data` is a new array (the callers memoize it on the API's answer), not on every render.
 */
function Plot({ options, data, label }: { options: (width: number) => uPlot.Options; data: uPlot.AlignedData; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return undefined;
    const width = Math.max(240, element.clientWidth);
    const plot = new uPlot(options(width), data, element);
    const resized = new ResizeObserver(() => {
      const now = Math.max(240, element.clientWidth);
      if (now !== plot.width) plot.setSize({ width: now, height: heightFor(now) });
    });
    resized.observe(element);
    return () => {
      resized.disconnect();
      plot.destroy();
    };
  }, [data]);
  return <div ref={box} class="chart" role="img" aria-label={label} />;
}

/** A stage's average and p90 time per day (minutes), against the stage's time limit. */
export function StageChart({ series, label }: { series: StageSeries; label: string }) {
  const data = useMemo<uPlot.AlignedData>(() => {
    const days = series.labels.map((_, index) => index);
    return [days, series.avgMinutes, series.p90Minutes, days.map(() => series.slaMinutes)];
  }, [series]);
  const minutes = (_: uPlot, value: number | null) => (value === null || value === undefined ? "—" : `${decimal(value)} min`);
  const options = (width: number): uPlot.Options => ({
    width,
    height: heightFor(width),
    scales: {
      x: { time: false },
      y: { range: (_u, _min, max) => [0, Math.ceil(Math.max(max ?? 0, series.slaMinutes) * 1.15) || 1] },
    },
    axes: [
      axis((_u, splits) => splits.map((i) => (Number.isInteger(i) ? (series.labels[i] ?? "") : "")), { space: 56, grid: { show: false } }),
      axis((_u, splits) => splits.map((v) => `${decimal(v)} min`), { size: 64 }),
    ],
    series: [
      { label: "Día", value: (_u, i) => (i === null ? "—" : (series.labels[i] ?? "")) },
      { label: "Promedio", stroke: BLUE, width: 2, points: { show: true, size: 6, fill: BLUE }, value: minutes },
      { label: "p90 (9 de cada 10)", stroke: AMBER, width: 2, dash: [7, 4], points: { show: true, size: 5 }, value: minutes },
      { label: "Límite", stroke: RED, width: 1.5, dash: [2, 3], points: { show: false }, value: minutes },
    ],
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
  });
  return <Plot options={options} data={data} label={label} />;
}

/** Orders per hour of the day (Lima), 24 bars. */
export function HoursChart({ orders, label }: { orders: number[]; label: string }) {
  const data = useMemo<uPlot.AlignedData>(() => [orders.map((_, hour) => hour), orders], [orders]);
  const options = (width: number): uPlot.Options => ({
    width,
    height: heightFor(width),
    legend: { show: false },
    scales: { x: { time: false, range: [-0.6, 23.6] }, y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil((max ?? 0) * 1.1))] } },
    axes: [
      axis((_u, splits) => splits.map((h) => (Number.isInteger(h) ? `${h} h` : "")), { incrs: [1, 2, 3, 6], space: 34, grid: { show: false } }),
      axis((_u, splits) => splits.map((v) => (Number.isInteger(v) ? count(v) : "")), { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], size: 48 }),
    ],
    series: [
      { label: "Hora", value: (_u, h) => (h === null ? "—" : hourSpan(h)) },
      {
        label: "Pedidos",
        fill: BLUE,
        stroke: BLUE,
        width: 0,
        paths: uPlot.paths.bars?.({ size: [0.72, 40], align: 0 }),
        points: { show: false },
      },
    ],
    cursor: { drag: { x: false, y: false }, points: { show: false } },
  });
  return <Plot options={options} data={data} label={label} />;
}
