/** Orders as the API returns them, and the customer's timeline of one order. */

export type Dispatch = "delivery" | "pickup";

export type Estado = "PENDIENTE_PAGO" | "PAGADO" | "COCINA" | "EMPAQUETAMIENTO" | "DELIVERY" | "ENTREGADO" | "CANCELADO";

export interface OrderLine {
  kind: "producto" | "combo";
  item_id: string;
  name: string;
  size: string;
  quantity: number;
  unit_price_cents: number;
  line_total_cents: number;
  notes?: string | null;
}

export interface HistoryEntry {
  estado: Estado;
  at: string;
  by: string;
  rol?: string | null;
  note?: string | null;
  reason?: string | null;
}

export interface Order {
  order_id: string;
  estado_pedido: Estado;
  location_id: string;
  dispatch: Dispatch;
  address: string | null;
  items: OrderLine[];
  subtotal_cents: number;
  delivery_fee_cents: number;
  total_cents: number;
  currency: "PEN";
  created_at: string;
  updated_at: string;
  history: HistoryEntry[];
  payment: { status?: string | null; status_detail?: string | null; payment_id?: string | null; refund_id?: string | null };
}

export interface OrderSummary {
  order_id: string;
  estado_pedido: Estado;
  location_id: string;
  dispatch: Dispatch;
  total_cents: number;
  created_at: string;
  items_count: number;
}

export const ESTADO_LABELS: Record<Estado, string> = {
  PENDIENTE_PAGO: "Esperando el pago",
  PAGADO: "Pago confirmado",
  COCINA: "En cocina",
  EMPAQUETAMIENTO: "Empaquetando",
  DELIVERY: "En camino",
  ENTREGADO: "Entregado",
  CANCELADO: "Cancelado",
};

const PICKUP_LABELS: Partial<Record<Estado, string>> = { ENTREGADO: "Recogido" };

export function estadoLabel(estado: Estado, dispatch: Dispatch): string {
  return (dispatch === "pickup" && PICKUP_LABELS[estado]) || ESTADO_LABELS[estado];
}

export function shortId(orderId: string): string {
  return orderId.slice(0, 8).toUpperCase();
}

export interface TimelineStep {
  estado: Estado;
  label: string;
  state: "done" | "current" | "upcoming" | "cancelled";
  at: string | null;
  reason?: string | null;
}

/** Every step the order goes through (DELIVERY only for delivery orders), with when each was reached. */
export function timeline(order: Pick<Order, "estado_pedido" | "dispatch" | "history">): TimelineStep[] {
  const path: Estado[] = ["PENDIENTE_PAGO", "PAGADO", "COCINA", "EMPAQUETAMIENTO"];
  if (order.dispatch === "delivery") path.push("DELIVERY");
  path.push("ENTREGADO");
  const reached = new Map<Estado, HistoryEntry>();
  for (const entry of order.history) if (!reached.has(entry.estado)) reached.set(entry.estado, entry);
  const cancelled = order.estado_pedido === "CANCELADO";
  const currentIndex = cancelled
    ? Math.max(-1, ...path.map((estado, index) => (reached.has(estado) ? index : -1)))
    : path.indexOf(order.estado_pedido);
  const steps: TimelineStep[] = path.map((estado, index) => ({
    estado,
    label: estadoLabel(estado, order.dispatch),
    state: index < currentIndex || (index === currentIndex && (cancelled || estado === "ENTREGADO")) ? "done" : index === currentIndex ? "current" : "upcoming",
    at: reached.get(estado)?.at ?? null,
  }));
  if (!cancelled) return steps;
  const entry = reached.get("CANCELADO");
  return [
    ...steps.filter((step) => step.state === "done"),
    { estado: "CANCELADO", label: ESTADO_LABELS.CANCELADO, state: "cancelled", at: entry?.at ?? null, reason: entry?.reason },
  ];
}

export const FINAL: Estado[] = ["ENTREGADO", "CANCELADO"];

/** Mercado Pago's answer for a card, as the customer should read it (status_detail of the payment). */
const PAYMENT_DETAILS: Record<string, string> = {
  accredited: "¡Pago aprobado!",
  pending_contingency: "Estamos procesando tu pago. Te avisaremos en unos minutos.",
  pending_review_manual: "Estamos revisando tu pago. Te avisaremos en unos minutos.",
  cc_rejected_other_reason: "Tu banco rechazó el pago. Usa otra tarjeta o medio de pago.",
  cc_rejected_call_for_authorize: "Debes autorizar este pago con tu banco antes de intentarlo de nuevo.",
  cc_rejected_insufficient_amount: "Tu tarjeta no tiene fondos suficientes.",
  cc_rejected_bad_filled_security_code: "Revisa el código de seguridad (CVV) de la tarjeta.",
  cc_rejected_bad_filled_date: "Revisa la fecha de vencimiento de la tarjeta.",
  cc_rejected_bad_filled_other: "Revisa los datos de la tarjeta.",
  cc_rejected_bad_filled_card_number: "Revisa el número de la tarjeta.",
  cc_rejected_card_disabled: "Tu tarjeta no está activa. Llama a tu banco o usa otra tarjeta.",
  cc_rejected_duplicated_payment: "Ya hiciste un pago por este monto. Si necesitas pagar otra vez, usa otra tarjeta.",
  cc_rejected_high_risk: "El pago fue rechazado por seguridad. Usa otro medio de pago.",
  cc_rejected_max_attempts: "Llegaste al límite de intentos. Usa otra tarjeta.",
  cc_rejected_blacklist: "No pudimos procesar el pago con esta tarjeta.",
};

export function paymentMessage(status: string | null | undefined, detail: string | null | undefined): string {
  if (detail && PAYMENT_DETAILS[detail]) return PAYMENT_DETAILS[detail];
  if (status === "approved") return PAYMENT_DETAILS.accredited;
  if (status === "pending" || status === "in_process") return PAYMENT_DETAILS.pending_contingency;
  return "El pago no fue aprobado. Inténtalo de nuevo o usa otro medio de pago.";
}
