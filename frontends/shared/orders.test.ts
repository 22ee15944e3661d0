import { describe, expect, test } from "vitest";
import { type HistoryEntry, paymentMessage, timeline } from "./orders";

const at = (minute: number) => `2026-11-28T17:${String(minute).padStart(2, "0")}:00.000Z`;
const entry = (estado: HistoryEntry["estado"], minute: number, extra: Partial<HistoryEntry> = {}): HistoryEntry => ({ estado, at: at(minute), by: "workflow", ...extra });

describe("timeline", () => {
  test("a delivery order in the kitchen: paid steps done, kitchen current, the rest upcoming", () => {
    const steps = timeline({
      estado_pedido: "COCINA",
      dispatch: "delivery",
      history: [entry("PENDIENTE_PAGO", 0), entry("PAGADO", 2), entry("COCINA", 3)],
    });
    expect(steps.map((s) => [s.estado, s.state])).toEqual([
      ["PENDIENTE_PAGO", "done"],
      ["PAGADO", "done"],
      ["COCINA", "current"],
      ["EMPAQUETAMIENTO", "upcoming"],
      ["DELIVERY", "upcoming"],
      ["ENTREGADO", "upcoming"],
    ]);
    expect(steps[2].at).toBe(at(3));
  });

  test("a pickup order has no delivery step and ends 'Recogido', done", () => {
    const steps = timeline({
      estado_pedido: "ENTREGADO",
      dispatch: "pickup",
      history: ["PENDIENTE_PAGO", "PAGADO", "COCINA", "EMPAQUETAMIENTO", "ENTREGADO"].map((e, i) => entry(e as HistoryEntry["estado"], i)),
    });
    expect(steps.map((s) => s.estado)).not.toContain("DELIVERY");
    expect(steps.every((s) => s.state === "done")).toBe(true);
    expect(steps.at(-1)?.label).toBe("Recogido");
  });

  test("a cancelled order shows what it reached, then the cancellation with its reason", () => {
    const steps = timeline({
      estado_pedido: "CANCELADO",
      dispatch: "delivery",
      history: [entry("PENDIENTE_PAGO", 0), entry("PAGADO", 1), entry("COCINA", 2), entry("CANCELADO", 5, { reason: "Sin stock de pan" })],
    });
    expect(steps.map((s) => [s.estado, s.state])).toEqual([
      ["PENDIENTE_PAGO", "done"],
      ["PAGADO", "done"],
      ["COCINA", "done"],
      ["CANCELADO", "cancelled"],
    ]);
    expect(steps.at(-1)?.reason).toBe("Sin stock de pan");
  });
});

describe("payment messages", () => {
  test("Mercado Pago's reasons are said in Spanish, with a fallback for unknown ones", () => {
    expect(paymentMessage("rejected", "cc_rejected_insufficient_amount")).toBe("Tu tarjeta no tiene fondos suficientes.");
    expect(paymentMessage("pending", "pending_contingency")).toMatch(/procesando/);
    expect(paymentMessage("rejected", "cc_rejected_something_new")).toMatch(/no fue aprobado/);
  });
});
