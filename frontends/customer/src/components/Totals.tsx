/** Subtotal, delivery fee and total: an estimate in the cart, the server's figures on an order. */
import { soles } from "../../../shared/money";

export function Totals({
  totals,
  estimate = false,
}: {
  totals: { subtotal_cents: number; delivery_fee_cents: number; total_cents: number };
  estimate?: boolean;
}) {
  return (
    <dl class="totals">
      <div>
        <dt>Subtotal</dt>
        <dd>{soles(totals.subtotal_cents)}</dd>
      </div>
      <div>
        <dt>Envío</dt>
        <dd>{totals.delivery_fee_cents ? soles(totals.delivery_fee_cents) : "Gratis"}</dd>
      </div>
      <div class="totals__total">
        <dt>{estimate ? "Total estimado" : "Total"}</dt>
        <dd data-testid="total">{soles(totals.total_cents)}</dd>
      </div>
    </dl>
  );
}
