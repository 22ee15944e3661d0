import { describe, expect, test } from "vitest";
import { limaDay } from "../../../shared/dates";
import {
  type HoursAnswer,
  type MetricsSummary,
  addDays,
  apiQuery,
  barWidths,
  cancellationReason,
  count,
  dayShort,
  daysIn,
  duration,
  filtersFromQuery,
  hourSeries,
  hoursSummary,
  isEmpty,
  presetRange,
  queryFromFilters,
  quoteAccuracyNote,
  quoteAccuracyText,
  rangeProblem,
  rangeText,
  slaLevel,
  slaText,
  stageSeries,
  stageSeriesSummary,
} from "./metrics";

const TODAY = "2026-11-28";

function summary(overrides: Partial<MetricsSummary> = {}): MetricsSummary {
  const stage = (name: "COCINA" | "EMPAQUETAMIENTO" | "DELIVERY", sla: number) => ({
    stage: name,
    sla_seconds: sla,
    entered: 0,
    completed: 0,
    avg_seconds: null,
    p50_seconds: null,
    p90_seconds: null,
    max_seconds: null,
    overdue: 0,
  });
  return {
    location_id: null,
    from: "2026-11-27",
    to: TODAY,
    timezone: "America/Lima",
    orders: { paid: 0, delivered: 0, cancelled: 0, overdue: 0 },
    revenue_cents: 0,
    average_ticket_cents: null,
    cancellations: [],
    stages: [stage("COCINA", 900), stage("EMPAQUETAMIENTO", 300), stage("DELIVERY", 1800)],
    days: [
      { date: "2026-11-27", paid: 0, delivered: 0, cancelled: 0, revenue_cents: 0, stages: {} },
      { date: TODAY, paid: 0, delivered: 0, cancelled: 0, revenue_cents: 0, stages: {} },
    ],
    ...overrides,
  };
}

describe("range presets, in Lima days", () => {
  test("today, yesterday, the last 7 and 30 days end (or are) Lima's today", () => {
    expect(presetRange("hoy", TODAY)).toEqual({ from: TODAY, to: TODAY });
    expect(presetRange("ayer", TODAY)).toEqual({ from: "2026-11-27", to: "2026-11-27" });
    expect(presetRange("7-dias", TODAY)).toEqual({ from: "2026-11-22", to: TODAY });
    expect(presetRange("30-dias", TODAY)).toEqual({ from: "2026-10-30", to: TODAY });
    expect(daysIn(...(Object.values(presetRange("30-dias", TODAY)) as [string, string]))).toBe(30);
  });

  test("calendar arithmetic crosses months and years", () => {
    expect(presetRange("ayer", "2027-01-01").from).toBe("2026-12-31");
    expect(addDays("2028-02-28", 1)).toBe("2028-02-29");
    expect(presetRange("7-dias", "2026-03-03").from).toBe("2026-02-25");
  });

  test("at 9 p.m. in Lima it is still that day there, though already the next in UTC", () => {
    const lateEvening = new Date("2026-11-29T02:00:00Z"); // 21:00 on the 28th in Lima
    expect(presetRange("hoy", limaDay(lateEvening))).toEqual({ from: TODAY, to: TODAY });
    expect(presetRange("ayer", limaDay(lateEvening)).from).toBe("2026-11-27");
  });

  test("a custom range: both dates, real ones, in order, not past today, at most 400 days", () => {
    expect(rangeProblem("2026-11-01", TODAY, TODAY)).toBeNull();
    expect(rangeProblem(TODAY, TODAY, TODAY)).toBeNull();
    expect(rangeProblem("", TODAY, TODAY)).toMatch(/fecha inicial y la final/);
    expect(rangeProblem("2026-02-30", TODAY, TODAY)).toMatch(/no son válidas/);
    expect(rangeProblem("2026-11-20", "2026-11-10", TODAY)).toMatch(/posterior a la final/);
    expect(rangeProblem("2026-11-20", "2026-11-29", TODAY)).toMatch(/después de hoy/);
    expect(rangeProblem(addDays(TODAY, -399), TODAY, TODAY)).toBeNull();
    expect(rangeProblem(addDays(TODAY, -400), TODAY, TODAY)).toMatch(/hasta 400 días/);
  });
});

describe("the filters in the address", () => {
  const read = (query: string) => filtersFromQuery(new URLSearchParams(query), TODAY);

  test("no query is today at every location", () => {
    expect(read("")).toEqual({ filters: { local: "", range: "hoy", from: TODAY, to: TODAY }, problem: null });
  });

  test("a preset and a location come back from the address they were written to", () => {
    const written = queryFromFilters({ local: "larco", range: "7-dias", from: "x", to: "y" });
    expect(written).toBe("?local=larco&rango=7-dias");
    expect(read(written).filters).toEqual({ local: "larco", range: "7-dias", from: "2026-11-22", to: TODAY });
    expect(queryFromFilters(read("").filters)).toBe("");
  });

  test("a custom range keeps its dates; a bad one comes with the problem to show", () => {
    const written = queryFromFilters({ local: "", range: "personalizado", from: "2026-11-01", to: "2026-11-15" });
    expect(written).toBe("?desde=2026-11-01&hasta=2026-11-15");
    expect(read(written)).toEqual({ filters: { local: "", range: "personalizado", from: "2026-11-01", to: "2026-11-15" }, problem: null });
    expect(read("desde=2026-11-15&hasta=2026-11-01").problem).toMatch(/posterior/);
    expect(read("desde=ayer").problem).toMatch(/fecha inicial y la final/);
  });

  test("an unknown preset is today", () => {
    expect(read("rango=siempre").filters.range).toBe("hoy");
  });

  test("the API is asked for Lima dates, and for no location when it is all of them", () => {
    expect(apiQuery({ local: "", range: "hoy", from: TODAY, to: TODAY })).toEqual({ local: undefined, desde: TODAY, hasta: TODAY });
    expect(apiQuery({ local: "larco", range: "ayer", from: "2026-11-27", to: "2026-11-27" }).local).toBe("larco");
  });
});

describe("es-PE numbers, durations and dates", () => {
  test("counts with es-PE grouping", () => {
    expect(count(1234567)).toBe("1,234,567");
    expect(count(0)).toBe("0");
  });

  test("a stage's time in minutes and seconds; nothing counted is a dash", () => {
    expect(duration(420.5)).toBe("7 min 01 s"); // rounded to the second
    expect(duration(800)).toBe("13 min 20 s");
    expect(duration(45)).toBe("45 s");
    expect(duration(3725)).toBe("1 h 02 min");
    expect(duration(null)).toBe("—");
    expect(slaText(900)).toBe("15 min");
    expect(slaText(5400)).toBe("1 h 30 min");
  });

  test("days read in Lima, whatever the machine's zone", () => {
    expect(dayShort("2026-11-01")).toBe("1 nov.");
    expect(rangeText(TODAY, TODAY)).toBe("sábado, 28 de noviembre de 2026");
    expect(rangeText("2026-11-01", TODAY)).toBe("1–28 de noviembre de 2026");
    expect(rangeText("2026-10-30", TODAY)).toBe("30 de octubre – 28 de noviembre de 2026");
  });
});

describe("a stage against its time limit", () => {
  test("on time, more than 1 in 10 late (p90 over), late on average; nothing completed says so", () => {
    expect(slaLevel({ sla_seconds: 900, avg_seconds: 420.5, p90_seconds: 800 })).toBe("ok");
    expect(slaLevel({ sla_seconds: 900, avg_seconds: 600, p90_seconds: 900 })).toBe("ok"); // at the limit is within it
    expect(slaLevel({ sla_seconds: 300, avg_seconds: 240, p90_seconds: 420 })).toBe("some");
    expect(slaLevel({ sla_seconds: 1800, avg_seconds: 1900, p90_seconds: 2600 })).toBe("over");
    expect(slaLevel({ sla_seconds: 900, avg_seconds: null, p90_seconds: null })).toBe("none");
  });
});

describe("the API's JSON as chart series", () => {
  test("a stage's days become minutes per day with gaps where nothing was completed", () => {
    const data = summary({
      days: [
        { date: "2026-11-27", paid: 3, delivered: 3, cancelled: 0, revenue_cents: 11400, stages: { COCINA: { completed: 3, avg_seconds: 410, p90_seconds: 600 } } },
        { date: TODAY, paid: 0, delivered: 0, cancelled: 0, revenue_cents: 0, stages: { COCINA: { completed: 0, avg_seconds: null, p90_seconds: null } } },
      ],
    });
    const series = stageSeries(data, "COCINA");
    expect(series.labels).toEqual(["27 nov.", "28 nov."]);
    expect(series.avgMinutes).toEqual([6.8, null]);
    expect(series.p90Minutes).toEqual([10, null]);
    expect(series.slaMinutes).toBe(15);
    expect(series.completed).toEqual([3, 0]);
    expect(stageSeries(data, "DELIVERY").avgMinutes).toEqual([null, null]); // a stage a day does not name
    expect(stageSeriesSummary(series)).toMatch(/más lento fue 27 nov\., con 6.8 min en promedio; ningún día/);
  });

  test("orders per hour: always 24 hours in order, a missing hour is zero", () => {
    const answer: HoursAnswer = {
      location_id: null,
      from: TODAY,
      to: TODAY,
      hours: [
        { hour: 13, orders: 7, revenue_cents: 26600 },
        { hour: 0, orders: 1, revenue_cents: 3800 },
      ],
    };
    const series = hourSeries(answer);
    expect(series.hours).toHaveLength(24);
    expect(series.orders[0]).toBe(1);
    expect(series.orders[13]).toBe(7);
    expect(series.orders.reduce((a, b) => a + b, 0)).toBe(8);
    expect(hoursSummary(series.orders)).toBe("Pedidos por hora: 8 en total; la hora con más pedidos es 13:00–14:00, con 7.");
    expect(hoursSummary(new Array(24).fill(0))).toMatch(/ninguno/);
  });

  test("a range with nothing in it is empty; one stage worked is not", () => {
    expect(isEmpty(summary())).toBe(true);
    const worked = summary();
    worked.stages[2] = { ...worked.stages[2], entered: 1 };
    expect(isEmpty(worked)).toBe(false);
    expect(isEmpty(summary({ orders: { paid: 0, delivered: 0, cancelled: 1, overdue: 0 } }))).toBe(false);
    // a day whose only orders expired unpaid: not "no orders", its cancellations are shown
    expect(isEmpty(summary({ cancellations: [{ reason: "expired_unpaid", count: 2 }] }))).toBe(false);
  });

  test("inline bars are each row's share of the largest", () => {
    expect(barWidths([8, 4, 2, 0])).toEqual([100, 50, 25, 0]);
    expect(barWidths([0, 0])).toEqual([0, 0]);
  });
});

describe("cancellation reasons", () => {
  test("name the metrics API's categories in Spanish and keep an unknown one as it came", () => {
    expect(cancellationReason("expired_unpaid")).toBe("Venció sin pagar");
    expect(cancellationReason("admin")).toMatch(/^Un administrador/);
    expect(cancellationReason("nuevo_motivo")).toBe("nuevo_motivo");
  });
});

describe("the ready-time quotes' accuracy", () => {
  test("is the median absolute error in minutes, over the delivered orders that were quoted", () => {
    const quote = { quoted: 3, median_abs_error_minutes: 2, mean_abs_error_minutes: 3.8 };
    expect(quoteAccuracyText(quote)).toBe("± 2 min");
    expect(quoteAccuracyNote(quote)).toBe("mediana de 3 pedidos entregados");
    expect(quoteAccuracyNote({ ...quote, quoted: 1 })).toBe("mediana de 1 pedido entregado");
  });

  test("says nothing was measured when no quoted order was delivered (or the API predates it)", () => {
    expect(quoteAccuracyText({ quoted: 0, median_abs_error_minutes: null, mean_abs_error_minutes: null })).toBe("—");
    expect(quoteAccuracyText(undefined)).toBe("—");
    expect(quoteAccuracyNote(undefined)).toBe("sin pedidos entregados con hora estimada");
  });
});
