import { describe, expect, it } from "vitest";
import { type LedgerEntry, appendPage, movementLabel, pointsLabel, signedPoints } from "./points";

const credit: LedgerEntry = { order_id: "o-1", movement: "credit", points: 66, at: "2026-11-28T20:15:00.000Z" };
const reversal: LedgerEntry = { ...credit, movement: "reversal", points: -66, at: "2026-11-29T10:00:00.000Z" };

describe("points", () => {
  it("says a balance in points, singular for one", () => {
    expect(pointsLabel(0)).toBe("0 puntos");
    expect(pointsLabel(1)).toBe("1 punto");
    expect(pointsLabel(1250)).toBe("1,250 puntos");
  });

  it("signs each movement and says what it was", () => {
    expect([signedPoints(credit.points), movementLabel(credit)]).toEqual(["+66", "Pedido entregado"]);
    expect([signedPoints(reversal.points), movementLabel(reversal)]).toEqual(["−66", "Pago devuelto"]);
  });

  it("appends the next page without repeating a movement", () => {
    const other = { ...credit, order_id: "o-2" };
    expect(appendPage([reversal, credit], [credit, other])).toEqual([reversal, credit, other]);
  });
});
