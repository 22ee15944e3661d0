/** The customer's loyalty points as `GET /perfil/puntos` returns them, and how the profile says each movement. */

export interface LedgerEntry {
  order_id: string;
  movement: "credit" | "reversal";
  /** Positive for a credit, negative for a reversal. */
  points: number;
  at: string;
}

export interface PointsStatement {
  customer_id: string;
  balance: number;
  items: LedgerEntry[];
  next_cursor: string | null;
}

const count = new Intl.NumberFormat("es-PE");

/** `1 punto`, `1,250 puntos` */
export function pointsLabel(points: number): string {
  return `${count.format(points)} ${Math.abs(points) === 1 ? "punto" : "puntos"}`;
}

/** `+66`, `−66`: a movement's points with its sign (a true minus sign). */
export function signedPoints(points: number): string {
  return points < 0 ? `−${count.format(-points)}` : `+${count.format(points)}`;
}

/** What a movement was, in the customer's words. */
export function movementLabel(entry: LedgerEntry): string {
  return entry.movement === "credit" ? "Pedido entregado" : "Pago devuelto";
}

/** The next page appended to what is shown (a movement already shown is not repeated). */
export function appendPage(shown: LedgerEntry[], page: LedgerEntry[]): LedgerEntry[] {
  const key = (e: LedgerEntry) => `${e.order_id}#${e.movement}`;
  const seen = new Set(shown.map(key));
  return [...shown, ...page.filter((e) => !seen.has(key(e)))];
}
