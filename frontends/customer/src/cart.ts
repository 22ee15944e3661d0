/**
 * The cart: plain functions over a plain value (tested without a browser), kept per tenant in
 * localStorage so it survives a reload. Its totals are an estimate made with the same rule as the
 * server (lines + the tenant's delivery fee on delivery); the order the server answers is the truth.
 */
import type { Kind, MenuItem } from "../../shared/catalog";
import type { Dispatch } from "../../shared/orders";

export const MAX_LINES = 30;
export const MAX_QUANTITY = 50;
export const MAX_NOTES = 200;

export interface CartLine {
  key: string;
  kind: Kind;
  item_id: string;
  name: string;
  size: string;
  unit_price_cents: number;
  quantity: number;
  notes: string;
}

export interface Cart {
  location_id: string | null;
  lines: CartLine[];
}

export type { Dispatch };

export const EMPTY_CART: Cart = { location_id: null, lines: [] };

function clampQuantity(quantity: number): number {
  return Math.max(1, Math.min(MAX_QUANTITY, Math.floor(quantity) || 1));
}

function lineKey(kind: Kind, itemId: string, size: string, notes: string): string {
  return `${kind}:${itemId}:${size.toLowerCase()}:${notes.trim().toLowerCase()}`;
}

export interface NewLine {
  item: Pick<MenuItem, "kind" | "id" | "name" | "sizes">;
  size: string;
  quantity: number;
  notes?: string;
}

export class CartFull extends Error {}

/** Add a line; the same item, size and notes add up instead of making a second line. */
export function addLine(cart: Cart, { item, size, quantity, notes = "" }: NewLine): Cart {
  const chosen = item.sizes.find((s) => s.size === size);
  if (!chosen) throw new Error(`unknown size ${size}`);
  const cleanNotes = notes.trim().slice(0, MAX_NOTES);
  const key = lineKey(item.kind, item.id, size, cleanNotes);
  const existing = cart.lines.find((line) => line.key === key);
  if (existing) {
    return updateLine(cart, key, { quantity: existing.quantity + quantity });
  }
  if (cart.lines.length >= MAX_LINES) throw new CartFull(`A cart holds at most ${MAX_LINES} lines`);
  const line: CartLine = {
    key,
    kind: item.kind,
    item_id: item.id,
    name: item.name,
    size,
    unit_price_cents: chosen.price_cents,
    quantity: clampQuantity(quantity),
    notes: cleanNotes,
  };
  return { ...cart, lines: [...cart.lines, line] };
}

export interface LineChange {
  size?: string;
  unit_price_cents?: number;
  quantity?: number;
  notes?: string;
}

/** Change a line's quantity, size or notes; a change that makes it equal to another line merges them. */
export function updateLine(cart: Cart, key: string, change: LineChange): Cart {
  const line = cart.lines.find((l) => l.key === key);
  if (!line) return cart;
  const updated: CartLine = {
    ...line,
    ...change,
    quantity: clampQuantity(change.quantity ?? line.quantity),
    notes: (change.notes ?? line.notes).trim().slice(0, MAX_NOTES),
  };
  updated.key = lineKey(updated.kind, updated.item_id, updated.size, updated.notes);
  const others = cart.lines.filter((l) => l.key !== key);
  const twin = others.find((l) => l.key === updated.key);
  if (twin) {
    const merged = { ...twin, quantity: clampQuantity(twin.quantity + updated.quantity) };
    return { ...cart, lines: cart.lines.filter((l) => l.key !== key).map((l) => (l.key === twin.key ? merged : l)) };
  }
  return { ...cart, lines: cart.lines.map((l) => (l.key === key ? updated : l)) };
}

export function removeLine(cart: Cart, key: string): Cart {
  return { ...cart, lines: cart.lines.filter((line) => line.key !== key) };
}

export function itemCount(cart: Cart): number {
  return cart.lines.reduce((sum, line) => sum + line.quantity, 0);
}

export interface Totals {
  subtotal_cents: number;
  delivery_fee_cents: number;
  total_cents: number;
}

/** The server's rule (services/pedidos/logic.py price_order): sum of lines, plus the fee on delivery. */
export function totals(cart: Cart, dispatch: Dispatch, deliveryFeeCents: number): Totals {
  const subtotal = cart.lines.reduce((sum, line) => sum + line.unit_price_cents * line.quantity, 0);
  const fee = dispatch === "delivery" && cart.lines.length ? deliveryFeeCents : 0;
  return { subtotal_cents: subtotal, delivery_fee_cents: fee, total_cents: subtotal + fee };
}

/** Refresh each line's price and name from the current menu; lines whose item or size is gone are reported. */
export function reprice(cart: Cart, menu: MenuItem[]): { cart: Cart; missing: CartLine[]; unavailable: CartLine[] } {
  const missing: CartLine[] = [];
  const unavailable: CartLine[] = [];
  const lines = cart.lines.map((line) => {
    const item = menu.find((m) => m.kind === line.kind && m.id === line.item_id);
    const size = item?.sizes.find((s) => s.size === line.size);
    if (!item || !size) {
      missing.push(line);
      return line;
    }
    if (item.unavailable) unavailable.push(line);
    return { ...line, name: item.name, unit_price_cents: size.price_cents };
  });
  return { cart: { ...cart, lines }, missing, unavailable };
}

/** The order request's `items` (the server prices them; the cart's prices are never sent). */
export function orderItems(cart: Cart) {
  return cart.lines.map((line) => ({
    kind: line.kind,
    item_id: line.item_id,
    size: line.size,
    quantity: line.quantity,
    ...(line.notes ? { notes: line.notes } : {}),
  }));
}

/** A fingerprint of what would be ordered: the same cart keeps the same idempotency key. */
export function fingerprint(cart: Cart, dispatch: Dispatch, address: string): string {
  return JSON.stringify([cart.location_id, dispatch, dispatch === "delivery" ? address.trim() : "", orderItems(cart)]);
}

export class CartStore {
  private readonly key: string;
  private value: Cart;
  private listeners = new Set<() => void>();

  constructor(tenantId: string, private readonly storage: Storage = localStorage) {
    this.key = `bembos.customer.${tenantId}.cart`;
    this.value = this.read();
  }

  get(): Cart {
    return this.value;
  }

  set(cart: Cart): void {
    this.value = cart;
    this.storage.setItem(this.key, JSON.stringify(cart));
    for (const listener of this.listeners) listener();
  }

  update(change: (cart: Cart) => Cart): void {
    this.set(change(this.value));
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private read(): Cart {
    try {
      const stored = JSON.parse(this.storage.getItem(this.key) ?? "null") as Cart | null;
      if (stored && Array.isArray(stored.lines)) return stored;
    } catch {
      /* a corrupt cart starts empty */
    }
    return EMPTY_CART;
  }
}
