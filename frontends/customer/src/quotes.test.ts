import { describe, expect, test } from "vitest";
import { checkoutMinutes, hasEstimate, quoteLabel } from "./quotes";

describe("ready-time quotes", () => {
  test("a pickup is ready, a delivery arrives, in whole minutes, never under one", () => {
    expect(quoteLabel("pickup", 29)).toBe("Listo en ~29 min");
    expect(quoteLabel("delivery", 74)).toBe("Llega en ~74 min");
    expect(quoteLabel("pickup", 0)).toBe("Listo en ~1 min");
  });

  test("the checkout shows the quote of the chosen dispatch", () => {
    const quote = { location_id: "larco", pickup_minutes: 20, delivery_minutes: 65 };
    expect(checkoutMinutes(quote, "pickup")).toBe(20);
    expect(checkoutMinutes(quote, "delivery")).toBe(65);
  });

  test("only a paid order on its way has an estimate", () => {
    expect(["PENDIENTE_PAGO", "PAGADO", "COCINA", "DELIVERY", "ENTREGADO", "CANCELADO"].map(hasEstimate)).toEqual([
      false, true, true, true, false, false,
    ]);
  });
});
