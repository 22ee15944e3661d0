import { describe, expect, test } from "vitest";
import { ApiError } from "../../../shared/errors";
import { type Complaint, answerErrorText, answerProblem, csvFileName, mostUrgentFirst, overdueCount, timeLeft } from "./complaints";

const NOW = Date.parse("2026-11-28T15:00:00-05:00");
const HOUR = 3_600_000;
const pending = (due: number) => ({ estado: "pendiente" as const, due_at: new Date(due).toISOString() });

function entry(numero: number, dueInHours: number, estado: Complaint["estado"] = "pendiente"): Complaint {
  return { numero, estado, due_at: new Date(NOW + dueInHours * HOUR).toISOString() } as Complaint;
}

describe("time left to answer an entry", () => {
  test("said in words, with the colour of its urgency: green, amber within 3 days, red once overdue", () => {
    expect(timeLeft(pending(NOW + 10 * 24 * HOUR), NOW)).toEqual({ urgency: "ok", words: "Quedan 10 días" });
    expect(timeLeft(pending(NOW + 4 * 24 * HOUR), NOW)).toEqual({ urgency: "ok", words: "Quedan 4 días" });
    expect(timeLeft(pending(NOW + 3 * 24 * HOUR + 1), NOW)).toEqual({ urgency: "soon", words: "Quedan 3 días" });
    expect(timeLeft(pending(NOW + 30 * HOUR), NOW)).toEqual({ urgency: "soon", words: "Queda 1 día" });
    expect(timeLeft(pending(NOW + 5 * HOUR + 10), NOW)).toEqual({ urgency: "soon", words: "Vence en 5 horas" });
    expect(timeLeft(pending(NOW + 60_000), NOW)).toEqual({ urgency: "soon", words: "Vence en menos de una hora" });
    expect(timeLeft(pending(NOW), NOW).urgency).toBe("late");
    expect(timeLeft(pending(NOW - 2 * HOUR), NOW)).toEqual({ urgency: "late", words: "Vencido hace 2 horas" });
    expect(timeLeft(pending(NOW - 49 * HOUR), NOW)).toEqual({ urgency: "late", words: "Vencido hace 2 días" });
    expect(timeLeft(pending(NOW - 25 * HOUR), NOW)).toEqual({ urgency: "late", words: "Vencido hace 1 día" });
  });

  test("an answered entry has no time left, however late its due date", () => {
    expect(timeLeft({ estado: "respondido", due_at: new Date(NOW - 99 * HOUR).toISOString() }, NOW)).toEqual({
      urgency: "done",
      words: "Respondido",
    });
  });
});

describe("the pending entries", () => {
  test("overdue first, then by due date, then by number", () => {
    const list = [entry(1, 200), entry(2, -5), entry(3, 30), entry(4, -50), entry(5, 30)];
    expect(mostUrgentFirst(list).map((c) => c.numero)).toEqual([4, 2, 3, 5, 1]);
    expect(overdueCount(list, NOW)).toBe(2);
    expect(overdueCount([entry(6, -5, "respondido")], NOW)).toBe(0);
  });
});

describe("answering and exporting", () => {
  test("an answer has 10 to 4000 characters once trimmed", () => {
    expect(answerProblem("  corto  ")).toMatch(/al menos 10/);
    expect(answerProblem("x".repeat(10))).toBeNull();
    expect(answerProblem("x".repeat(4000))).toBeNull();
    expect(answerProblem("x".repeat(4001))).toMatch(/hasta 4000/);
  });

  test("the API's refusals are said for the screen: a second answer, a field, anything else", () => {
    expect(answerErrorText(new ApiError(409, "already_answered", "x"))).toMatch(/ya fue respondida/);
    expect(answerErrorText(new ApiError(422, "validation_failed", "Revisa", [{ field: "respuesta", message: "Es muy corto." }]))).toBe(
      "Respuesta: Es muy corto.",
    );
    expect(answerErrorText(new ApiError(403, "forbidden", "Tu cuenta no tiene permiso para hacer esto."))).toBe(
      "Tu cuenta no tiene permiso para hacer esto.",
    );
  });

  test("the CSV keeps the file name the API gives it", () => {
    expect(csvFileName('attachment; filename="libro-reclamaciones-bembos-miraflores.csv"', "t")).toBe("libro-reclamaciones-bembos-miraflores.csv");
    expect(csvFileName(null, "bembos-miraflores")).toBe("libro-reclamaciones-bembos-miraflores.csv");
  });
});
