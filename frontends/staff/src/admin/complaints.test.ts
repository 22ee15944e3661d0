import { describe, expect, test } from "vitest";
import { ApiError } from "../../../shared/errors";
import type { Complaint } from "../../../shared/complaints";
import { answerErrorText, answerProblem, csvFileName, mostUrgentFirst, overdueCount } from "./complaints";

const NOW = Date.parse("2026-11-28T15:00:00-05:00");
const HOUR = 3_600_000;

function entry(numero: number, dueInHours: number, estado: Complaint["estado"] = "pendiente"): Complaint {
  return { numero, estado, due_at: new Date(NOW + dueInHours * HOUR).toISOString() } as Complaint;
}

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
