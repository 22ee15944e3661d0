import { describe, expect, test } from "vitest";
import { type Cart, EMPTY_CART, type NewLine, addLine, fingerprint, itemCount, orderItems, removeLine, reprice, totals, updateLine } from "./cart";
import type { MenuItem } from "../../shared/catalog";

const burger: MenuItem = {
  kind: "producto",
  id: "clasica",
  name: "Hamburguesa Clásica",
  description: "",
  category: "hamburguesas",
  sizes: [
    { size: "regular", price_cents: 1290 },
    { size: "grande", price_cents: 2190 },
  ],
  points: 13,
  image_url: null,
  unavailable: null,
};
const combo: MenuItem = { ...burger, kind: "combo", id: "combo-royal", name: "Combo Royal", category: "combos", sizes: [{ size: "mediano", price_cents: 2690 }] };

function cartWith(...lines: NewLine[]): Cart {
  return lines.reduce<Cart>((cart, line) => addLine(cart, line), { ...EMPTY_CART, location_id: "larco" });
}

describe("cart", () => {
  test("the same item, size and notes add up on one line; other notes make another line", () => {
    const cart = cartWith(
      { item: burger, size: "grande", quantity: 1, notes: "sin cebolla" },
      { item: burger, size: "grande", quantity: 2, notes: " Sin cebolla " },
      { item: burger, size: "grande", quantity: 1 },
    );
    expect(cart.lines.map((l) => [l.size, l.quantity, l.notes])).toEqual([
      ["grande", 3, "sin cebolla"],
      ["grande", 1, ""],
    ]);
    expect(itemCount(cart)).toBe(4);
  });

  test("totals follow the server's rule: lines plus the delivery fee on delivery only", () => {
    const cart = cartWith({ item: burger, size: "grande", quantity: 2 }, { item: combo, size: "mediano", quantity: 1 });
    expect(totals(cart, "delivery", 500)).toEqual({ subtotal_cents: 7070, delivery_fee_cents: 500, total_cents: 7570 });
    expect(totals(cart, "pickup", 500)).toEqual({ subtotal_cents: 7070, delivery_fee_cents: 0, total_cents: 7070 });
    expect(totals(EMPTY_CART, "delivery", 500).total_cents).toBe(0);
  });

  test("editing a line to match another merges them; quantities stay within 1..50", () => {
    let cart = cartWith({ item: burger, size: "regular", quantity: 1 }, { item: burger, size: "grande", quantity: 49 });
    cart = updateLine(cart, cart.lines[0].key, { size: "grande", unit_price_cents: 2190, quantity: 5 });
    expect(cart.lines).toHaveLength(1);
    expect(cart.lines[0].quantity).toBe(50);
    cart = updateLine(cart, cart.lines[0].key, { quantity: 0 });
    expect(cart.lines[0].quantity).toBe(1);
    expect(removeLine(cart, cart.lines[0].key).lines).toEqual([]);
  });

  test("the order request carries items only: never a price", () => {
    const items = orderItems(cartWith({ item: burger, size: "grande", quantity: 2, notes: "sin cebolla" }, { item: combo, size: "mediano", quantity: 1 }));
    expect(items).toEqual([
      { kind: "producto", item_id: "clasica", size: "grande", quantity: 2, notes: "sin cebolla" },
      { kind: "combo", item_id: "combo-royal", size: "mediano", quantity: 1 },
    ]);
  });

  test("repricing takes the menu's current price and reports what is gone or unavailable", () => {
    const cart = cartWith({ item: burger, size: "grande", quantity: 1 }, { item: combo, size: "mediano", quantity: 1 });
    const menu = [{ ...burger, sizes: [{ size: "grande", price_cents: 2290 }], unavailable: "No disponible en este local" }];
    const checked = reprice(cart, menu);
    expect(checked.cart.lines[0].unit_price_cents).toBe(2290);
    expect(checked.unavailable.map((l) => l.item_id)).toEqual(["clasica"]);
    expect(checked.missing.map((l) => l.item_id)).toEqual(["combo-royal"]);
  });

  test("the fingerprint (idempotency) changes with what would be ordered, not with prices", () => {
    const cart = cartWith({ item: burger, size: "grande", quantity: 1 });
    const repriced = { ...cart, lines: cart.lines.map((l) => ({ ...l, unit_price_cents: 1 })) };
    expect(fingerprint(cart, "delivery", "Av. Pardo 610")).toBe(fingerprint(repriced, "delivery", " Av. Pardo 610 "));
    expect(fingerprint(cart, "delivery", "Av. Pardo 610")).not.toBe(fingerprint(cart, "delivery", "Av. Larco 1"));
    expect(fingerprint(cart, "pickup", "Av. Pardo 610")).toBe(fingerprint(cart, "pickup", "otra"));
  });
});
