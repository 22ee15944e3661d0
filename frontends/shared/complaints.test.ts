import { describe, expect, test } from "vitest";
import { businessDaysBetween, limaDaysBetween, timeLeft } from "./complaints";

const HOUR = 3_600_000;
const now = new Date("2026-11-28T15:00:00Z"); // Saturday 28, 10:00 in Lima
const pending = (due: string | number) => ({ estado: "pendiente" as const, due_at: new Date(due).toISOString() });

describe("the days to the due date", () => {
  test("counts Lima calendar days, whatever the hour", () => {
    expect(limaDaysBetween(now, new Date("2026-11-29T04:59:00Z"))).toBe(0); // 23:59 of the 28th in Lima
    expect(limaDaysBetween(now, new Date("2026-11-29T05:00:00Z"))).toBe(1);
    expect(limaDaysBetween(now, new Date("2026-12-18T15:00:00Z"))).toBe(20);
  });

  test("counts the business days the API counts (Monday to Friday, Lima), the due day included", () => {
    expect(businessDaysBetween(now, new Date("2026-12-18T15:00:00Z"))).toBe(15);
    expect(businessDaysBetween(now, new Date("2026-11-30T04:00:00Z"))).toBe(0); // Sunday 29 in Lima
    expect(businessDaysBetween(new Date("2026-12-04T23:00:00Z"), new Date("2026-12-07T20:00:00Z"))).toBe(1); // Fri evening to Mon
  });
});

describe("the time left to answer", () => {
  test("an entry filed on Friday 27 with the default term has 15 business days left on Saturday, not the 20 calendar days", () => {
    // the API's due_at for an entry filed Friday 27 Nov 10:30 in Lima: Friday 18 Dec, 10:30
    expect(timeLeft(pending("2026-12-18T15:30:00Z"), now)).toEqual({ urgency: "ok", words: "Quedan 15 días hábiles" });
  });

  test("is said in business days, amber from 3 left, the last day in hours", () => {
    expect(timeLeft(pending("2026-12-04T15:00:00Z"), now)).toEqual({ urgency: "ok", words: "Quedan 5 días hábiles" }); // Mon-Fri
    expect(timeLeft(pending("2026-12-03T15:00:00Z"), now)).toEqual({ urgency: "ok", words: "Quedan 4 días hábiles" });
    expect(timeLeft(pending("2026-12-02T15:00:00Z"), now)).toEqual({ urgency: "soon", words: "Quedan 3 días hábiles" });
    expect(timeLeft(pending("2026-11-30T15:00:00Z"), now)).toEqual({ urgency: "soon", words: "Queda 1 día hábil" }); // Sunday, then Monday
    expect(timeLeft(pending(now.getTime() + 5 * HOUR + 10), now)).toEqual({ urgency: "soon", words: "Vence en 5 horas" });
    expect(timeLeft(pending(now.getTime() + 60_000), now)).toEqual({ urgency: "soon", words: "Vence en menos de una hora" });
  });

  test("a due date on a weekend (no business day before it) is said in hours", () => {
    expect(timeLeft(pending("2026-11-29T20:00:00Z"), now)).toEqual({ urgency: "soon", words: "Vence en 29 horas" });
  });

  test("once past, says how long ago in red", () => {
    expect(timeLeft(pending(now.getTime()), now).urgency).toBe("late");
    expect(timeLeft(pending(now.getTime() - 2 * HOUR), now)).toEqual({ urgency: "late", words: "Plazo vencido hace 2 horas" });
    expect(timeLeft(pending(now.getTime() - 25 * HOUR), now)).toEqual({ urgency: "late", words: "Plazo vencido hace 1 día" });
    expect(timeLeft(pending(now.getTime() - 8 * 24 * HOUR), now)).toEqual({ urgency: "late", words: "Plazo vencido hace 8 días" });
  });

  test("an answered entry has no time left, however late its due date", () => {
    expect(timeLeft({ estado: "respondido", due_at: "2026-11-20T14:00:00Z" }, now)).toEqual({ urgency: "done", words: "Respondido" });
  });

  test("takes the time as a Date or as milliseconds", () => {
    expect(timeLeft(pending("2026-12-18T15:30:00Z"), now.getTime())).toEqual(timeLeft(pending("2026-12-18T15:30:00Z"), now));
  });
});
