/**
 * Ready-time quotes (GET /locales/{id}/espera, public; /locales/{id}/espera/{order_id}, the customer's order):
 * when an order will be ready to pick up or arrive, said the same way at the checkout and on the order's page.
 */
import type { Dispatch } from "./cart";

export interface LocationQuote {
  location_id: string;
  pickup_minutes: number;
  delivery_minutes: number;
}

export interface OrderQuote {
  order_id: string;
  location_id: string;
  dispatch: Dispatch;
  estado_pedido: string;
  minutes: number;
  ready_at: string;
  quoted_minutes: number;
}

/** "Listo en ~25 min" (pickup) or "Llega en ~40 min" (delivery). */
export function quoteLabel(dispatch: Dispatch, minutes: number): string {
  const rounded = Math.max(1, Math.round(minutes));
  return `${dispatch === "pickup" ? "Listo" : "Llega"} en ~${rounded} min`;
}

/** The checkout's quote for the chosen way of dispatch. */
export function checkoutMinutes(quote: LocationQuote, dispatch: Dispatch): number {
  return dispatch === "pickup" ? quote.pickup_minutes : quote.delivery_minutes;
}

/** Whether an order in this state still has an estimate (paid, not yet delivered or cancelled). */
export function hasEstimate(estado: string): boolean {
  return ["PAGADO", "COCINA", "EMPAQUETAMIENTO", "DELIVERY"].includes(estado);
}
