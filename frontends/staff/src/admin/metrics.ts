/**
 * The admin's metrics dashboard, its pure part: the API's shapes (GET /metricas, /metricas/empleados,
 * /metricas/horas), the filters kept in the address (`?local=larco&rango=7-dias`, or `desde`/`hasta`),
 * the range presets counted in Lima days, es-PE numbers and dates, and the API's JSON turned into the
 * series the charts draw. Durations come in seconds (null when nothing was counted), money in céntimos.
 */
import { BOARDS, type Stage } from "../roles";

// -- the API's answers (the contract shared with services/metricas) ----------------------------------

export interface OrderCounts {
  paid: number;
  delivered: number;
  cancelled: number;
  overdue: number;
}

export interface StageMetrics {
  stage: Stage;
  sla_seconds: number;
  entered: number;
  completed: number;
  avg_seconds: number | null;
  p50_seconds: number | null;
  p90_seconds: number | null;
  max_seconds: number | null;
  overdue: number;
}

export interface DayStage {
  completed: number;
  avg_seconds: number | null;
  p90_seconds: number | null;
}

export interface DayMetrics {
  date: string;
  paid: number;
  delivered: number;
  cancelled: number;
  revenue_cents: number;
  stages: Partial<Record<Stage, DayStage>>;
  /** The ready-time quote's median absolute error that day, in minutes (null: no quoted order delivered). */
  quote_median_error_minutes?: number | null;
}

/** How far the ready-time quotes given at payment were from the actual delivery (services/metricas/quotes.py). */
export interface QuoteAccuracy {
  quoted: number;
  median_abs_error_minutes: number | null;
  mean_abs_error_minutes: number | null;
}

export interface MetricsSummary {
  location_id: string | null;
  from: string;
  to: string;
  timezone: string;
  orders: OrderCounts;
  revenue_cents: number;
  average_ticket_cents: number | null;
  cancellations: { reason: string; count: number }[];
  stages: StageMetrics[];
  days: DayMetrics[];
  quote?: QuoteAccuracy | null;
}

export interface EmployeeMetrics {
  employee_id: string;
  name: string;
  stage: Stage;
  completed: number;
  avg_seconds: number | null;
  p90_seconds: number | null;
  overdue: number;
}

export interface EmployeesAnswer {
  location_id: string | null;
  from: string;
  to: string;
  employees: EmployeeMetrics[];
}

export interface HoursAnswer {
  location_id: string | null;
  from: string;
  to: string;
  hours: { hour: number; orders: number; revenue_cents: number }[];
}

export const STAGES: Stage[] = BOARDS.map((board) => board.stage);

export function stageName(stage: string): string {
  return BOARDS.find((board) => board.stage === stage)?.title ?? stage;
}

// -- Lima days and the range presets ----------------------------------------------------------------

/** What the metrics API's cancellation reasons (categories, services/metricas/counters.py) mean to an admin. */
const CANCELLATION_REASONS: Record<string, string> = {
  admin: "Un administrador (pagado, reembolsado)",
  sold_out: "Sin stock al aprobar el pago (reembolsado)",
  customer: "El cliente, antes de pagar",
  expired_unpaid: "Venció sin pagar",
  admin_unpaid: "Un administrador, antes del pago",
  other: "Otro motivo",
};

export function cancellationReason(reason: string): string {
  return CANCELLATION_REASONS[reason] ?? reason;
}

export const MAX_RANGE_DAYS = 400;
const DAY_MS = 86_400_000;

export type Preset = "hoy" | "ayer" | "7-dias" | "30-dias";
export type RangeKey = Preset | "personalizado";

export const RANGES: { key: RangeKey; label: string }[] = [
  { key: "hoy", label: "Hoy" },
  { key: "ayer", label: "Ayer" },
  { key: "7-dias", label: "Últimos 7 días" },
  { key: "30-dias", label: "Últimos 30 días" },
  { key: "personalizado", label: "Personalizado" },
];

/** A real calendar date written `YYYY-MM-DD` (not `2026-02-30`). */
export function isIsoDay(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const at = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(at.getTime()) && at.toISOString().slice(0, 10) === text;
}

/** The calendar day `days` after (or before) `day`: plain calendar arithmetic (Lima has no daylight saving). */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** How many days `from`..`to` covers, both included (1 for a single day). */
export function daysIn(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
}

/** The Lima days a preset covers, `today` being Lima's today (`limaDay()`). */
export function presetRange(preset: Preset, today: string): { from: string; to: string } {
  switch (preset) {
    case "ayer":
      return { from: addDays(today, -1), to: addDays(today, -1) };
    case "7-dias":
      return { from: addDays(today, -6), to: today };
    case "30-dias":
      return { from: addDays(today, -29), to: today };
    default:
      return { from: today, to: today };
  }
}

/** Why a custom range cannot be asked for (in Spanish), or null when it can. */
export function rangeProblem(from: string, to: string, today: string): string | null {
  if (!from || !to) return "Elige la fecha inicial y la final.";
  if (!isIsoDay(from) || !isIsoDay(to)) return "Las fechas del rango no son válidas.";
  if (from > to) return "La fecha inicial es posterior a la final.";
  if (to > today) return "El rango no puede terminar después de hoy.";
  if (daysIn(from, to) > MAX_RANGE_DAYS) return `Elige un rango de hasta ${MAX_RANGE_DAYS} días.`;
  return null;
}

// -- the filters, kept in the address ----------------------------------------------------------------

export interface Filters {
  /** A location id, or "" for all the tenant's locations. */
  local: string;
  range: RangeKey;
  from: string;
  to: string;
}

/**
 * The filters an address asks for: `rango` one of the presets (default `hoy`), or `desde` and `hasta`
 * (a custom range, `rango=personalizado` optional). `problem` says what is wrong with a custom range;
 * nothing is asked of the API then.
 */
export function filtersFromQuery(query: URLSearchParams, today: string): { filters: Filters; problem: string | null } {
  const local = query.get("local")?.trim() ?? "";
  const desde = query.get("desde");
  const hasta = query.get("hasta");
  const rango = query.get("rango") ?? "";
  if (desde !== null || hasta !== null || rango === "personalizado") {
    const from = desde ?? "";
    const to = hasta ?? "";
    return { filters: { local, range: "personalizado", from, to }, problem: rangeProblem(from, to, today) };
  }
  const preset = (RANGES.some((r) => r.key === rango) ? rango : "hoy") as Preset;
  return { filters: { local, range: preset, ...presetRange(preset, today) }, problem: null };
}

/** The address's query for `filters` (the defaults left out): what a reload or a shared link keeps. */
export function queryFromFilters(filters: Filters): string {
  const query = new URLSearchParams();
  if (filters.local) query.set("local", filters.local);
  if (filters.range === "personalizado") {
    query.set("desde", filters.from);
    query.set("hasta", filters.to);
  } else if (filters.range !== "hoy") {
    query.set("rango", filters.range);
  }
  const text = query.toString();
  return text ? `?${text}` : "";
}

/** The query of the three metrics calls. */
export function apiQuery(filters: Filters): Record<string, string | undefined> {
  return { local: filters.local || undefined, desde: filters.from, hasta: filters.to };
}

// -- es-PE numbers, durations and dates --------------------------------------------------------------

const ZONE = "America/Lima";
const whole = new Intl.NumberFormat("es-PE", { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat("es-PE", { maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat("es-PE", { style: "percent", maximumFractionDigits: 0 });
const shortDay = new Intl.DateTimeFormat("es-PE", { timeZone: ZONE, day: "numeric", month: "short" });
const weekDay = new Intl.DateTimeFormat("es-PE", { timeZone: ZONE, weekday: "short", day: "numeric", month: "short" });
const longDate = new Intl.DateTimeFormat("es-PE", { timeZone: ZONE, weekday: "long", day: "numeric", month: "long", year: "numeric" });
const span = new Intl.DateTimeFormat("es-PE", { timeZone: ZONE, day: "numeric", month: "long", year: "numeric" });

/** A calendar day as an instant inside that day in Lima (noon), for Intl with the Lima zone. */
function limaNoon(day: string): Date {
  return new Date(`${day}T12:00:00-05:00`);
}

/** `1,234` */
export function count(value: number): string {
  return whole.format(value);
}

/** `7.3` */
export function decimal(value: number): string {
  return oneDecimal.format(value);
}

/** `25%` */
export function share(part: number, total: number): string {
  return percent.format(total > 0 ? part / total : 0);
}

/** The quotes' accuracy card: `± 2 min` (the median absolute error), `—` when no quoted order was delivered. */
export function quoteAccuracyText(quote: QuoteAccuracy | null | undefined): string {
  if (!quote || quote.median_abs_error_minutes === null) return "—";
  return `± ${whole.format(quote.median_abs_error_minutes)} min`;
}

/** What the card's number is made of: `mediana de 3 pedidos entregados`. */
export function quoteAccuracyNote(quote: QuoteAccuracy | null | undefined): string {
  const quoted = quote?.quoted ?? 0;
  return quoted === 0 ? "sin pedidos entregados con hora estimada" : `mediana de ${whole.format(quoted)} ${quoted === 1 ? "pedido entregado" : "pedidos entregados"}`;
}

/** A time in a stage: `45 s`, `7 min 05 s`, `1 h 02 min`; `—` when nothing was counted. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h} h ${String(m).padStart(2, "0")} min`;
  return `${m} min ${String(s % 60).padStart(2, "0")} s`;
}

/** An SLA as the tenant set it: `15 min`, `1 h 30 min`. */
export function slaText(seconds: number): string {
  const m = Math.round(seconds / 60);
  return m >= 60 ? `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ""}` : `${m} min`;
}

/** `28 nov.` */
export function dayShort(day: string): string {
  return shortDay.format(limaNoon(day));
}

/** `sáb, 28 nov.` */
export function dayWithWeekday(day: string): string {
  return weekDay.format(limaNoon(day));
}

/** `sábado, 28 de noviembre de 2026` for one day; `1–28 de noviembre de 2026` for a range. */
export function rangeText(from: string, to: string): string {
  if (from === to) return longDate.format(limaNoon(from));
  return span.formatRange(limaNoon(from), limaNoon(to)).replace(/\s/g, " "); // ICU puts thin spaces around the dash
}

// -- reading the numbers ------------------------------------------------------------------------------

export type SlaLevel = "none" | "ok" | "some" | "over";

/**
 * A stage against its SLA (the tenant's time limit), in words as well as colour: on time (9 of 10 orders
 * within it), more than 1 of 10 late (the p90 is over it), or late on average.
 */
export function slaLevel(stage: Pick<StageMetrics, "sla_seconds" | "avg_seconds" | "p90_seconds">): SlaLevel {
  if (stage.avg_seconds === null) return "none";
  if (stage.avg_seconds > stage.sla_seconds) return "over";
  if (stage.p90_seconds !== null && stage.p90_seconds > stage.sla_seconds) return "some";
  return "ok";
}

export const SLA_TEXT: Record<SlaLevel, string> = {
  none: "Sin pedidos completados",
  ok: "A tiempo",
  some: "Más de 1 de cada 10 se atrasa",
  over: "Atrasado en promedio",
};

/** Nothing happened in the range: no order paid, delivered or cancelled, no alert, no stage worked. */
export function isEmpty(summary: MetricsSummary): boolean {
  const { paid, delivered, cancelled, overdue } = summary.orders;
  const moved = summary.stages.some((s) => s.entered + s.completed > 0);
  return paid + delivered + cancelled + overdue === 0 && !moved && summary.cancellations.length === 0;
}

export interface StageSeries {
  stage: Stage;
  /** One label per day (`28 nov.`), the x axis. */
  labels: string[];
  /** Minutes (one decimal), null for a day with nothing completed: the line leaves a gap there. */
  avgMinutes: (number | null)[];
  p90Minutes: (number | null)[];
  slaMinutes: number;
  completed: number[];
}

const minutes = (seconds: number | null | undefined): number | null =>
  seconds === null || seconds === undefined ? null : Math.round((seconds / 60) * 10) / 10;

/** The daily series of one stage: average and p90 time per day, in minutes, against the stage's SLA. */
export function stageSeries(summary: MetricsSummary, stage: Stage): StageSeries {
  const sla = summary.stages.find((s) => s.stage === stage)?.sla_seconds ?? 0;
  return {
    stage,
    labels: summary.days.map((day) => dayShort(day.date)),
    avgMinutes: summary.days.map((day) => minutes(day.stages[stage]?.avg_seconds)),
    p90Minutes: summary.days.map((day) => minutes(day.stages[stage]?.p90_seconds)),
    slaMinutes: sla / 60,
    completed: summary.days.map((day) => day.stages[stage]?.completed ?? 0),
  };
}

/** Orders per hour of the day, 0..23 in order, an hour the API left out counted as zero. */
export function hourSeries(answer: HoursAnswer): { hours: number[]; orders: number[]; revenue: number[] } {
  const byHour = new Map(answer.hours.map((h) => [h.hour, h]));
  const hours = Array.from({ length: 24 }, (_, hour) => hour);
  return {
    hours,
    orders: hours.map((hour) => byHour.get(hour)?.orders ?? 0),
    revenue: hours.map((hour) => byHour.get(hour)?.revenue_cents ?? 0),
  };
}

/** `13:00–14:00`: an hour of the day as a span. */
export function hourSpan(hour: number): string {
  const pad = (h: number) => `${String(h % 24).padStart(2, "0")}:00`;
  return `${pad(hour)}–${pad(hour + 1)}`;
}

/** The chart's words for a screen reader: what it shows and its busiest hour. */
export function hoursSummary(orders: number[]): string {
  const total = orders.reduce((a, b) => a + b, 0);
  if (!total) return "Pedidos por hora: ninguno en este rango.";
  const peak = orders.indexOf(Math.max(...orders));
  return `Pedidos por hora: ${count(total)} en total; la hora con más pedidos es ${hourSpan(peak)}, con ${count(orders[peak])}.`;
}

/** The chart's words for a screen reader: the stage's days, its slowest day, against its SLA. */
export function stageSeriesSummary(series: StageSeries): string {
  const name = stageName(series.stage);
  const counted = series.avgMinutes.map((v, i) => [v, i] as const).filter(([v]) => v !== null) as [number, number][];
  if (!counted.length) return `${name}: ningún pedido completado en estos días.`;
  const [worst, at] = counted.reduce((a, b) => (b[0] > a[0] ? b : a));
  const over = counted.filter(([v]) => v > series.slaMinutes).length;
  return (
    `${name}: tiempo promedio por día, en minutos, frente a un tiempo límite de ${decimal(series.slaMinutes)} min. ` +
    `El día más lento fue ${series.labels[at]}, con ${decimal(worst)} min en promedio; ` +
    `${over === 0 ? "ningún día" : over === 1 ? "1 día" : `${count(over)} días`} con el promedio sobre el límite.`
  );
}

/** Each row's share of the largest value, for the inline bars (0..100). */
export function barWidths(values: number[]): number[] {
  const top = Math.max(0, ...values);
  return values.map((v) => (top > 0 ? Math.round((v / top) * 100) : 0));
}
