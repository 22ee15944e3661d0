/**
 * Confirm the order: where it goes, what it holds, what it costs. The order is created with an
 * Idempotency-Key kept for this exact cart, so a double click or a retry after a lost answer makes
 * one order. Then the customer pays it.
 */
import { useEffect, useState } from "preact/hooks";
import { useAction } from "../../../shared/hooks";
import { soles } from "../../../shared/money";
import { Link, currentPath, navigate } from "../../../shared/router";
import { randomId, useStore } from "../../../shared/store";
import { Button, Field, Form, Notice } from "../../../shared/ui";
import { EMPTY_CART, type Dispatch, fingerprint, orderItems, totals } from "../cart";
import type { Location } from "../../../shared/catalog";
import { closedNotice, dispatchLabel } from "../components/LocationCard";
import { Totals } from "../components/Totals";
import { useApp } from "../context";
import type { Order } from "../../../shared/orders";
import { type LocationQuote, checkoutMinutes, quoteLabel } from "../quotes";

interface PendingOrder {
  fingerprint: string;
  key: string;
}

function idempotencyKey(tenantId: string, print: string): string {
  const storageKey = `bembos.customer.${tenantId}.pending-order`;
  const pending = JSON.parse(sessionStorage.getItem(storageKey) ?? "null") as PendingOrder | null;
  if (pending && pending.fingerprint === print) return pending.key;
  const fresh: PendingOrder = { fingerprint: print, key: `web-${randomId()}` };
  sessionStorage.setItem(storageKey, JSON.stringify(fresh));
  return fresh.key;
}

export function CheckoutPage() {
  const app = useApp();
  const session = useStore(app.sessions);
  const cart = useStore(app.cart);
  const wanted = useStore(app.dispatch);
  const [location, setLocation] = useState<Location | null>(null);
  const [address, setAddress] = useState(app.address.get());
  const [addressError, setAddressError] = useState<string | undefined>();
  const [quote, setQuote] = useState<LocationQuote | null>(null);

  useEffect(() => {
    if (!session) navigate(`/ingresar?volver=${encodeURIComponent(currentPath())}`, { replace: true });
  }, [session?.token]);
  useEffect(() => {
    app.loadMenu().then((menu) => setLocation(menu.locations.find((l) => l.location_id === cart.location_id) ?? null));
  }, [cart.location_id]);
  useEffect(() => {
    if (!cart.location_id) return;
    // A quote is a courtesy: without one the checkout still works.
    app.api
      .get<LocationQuote>(`locales/${encodeURIComponent(cart.location_id)}/espera`, { auth: false })
      .then(setQuote, () => setQuote(null));
  }, [cart.location_id]);

  const dispatch: Dispatch = location && !location.dispatch_types.includes(wanted) ? location.dispatch_types[0] : wanted;
  const estimate = totals(cart, dispatch, app.tenant.delivery_fee_cents);
  const create = useAction(async () => {
    const print = fingerprint(cart, dispatch, address);
    const order = await app.api.post<Order>(
      "pedidos",
      {
        location_id: cart.location_id,
        dispatch,
        ...(dispatch === "delivery" ? { address: address.trim() } : {}),
        items: orderItems(cart),
      },
      { idempotencyKey: idempotencyKey(app.api.tenantId, print) },
    );
    if (dispatch === "delivery") app.address.set(address.trim());
    sessionStorage.removeItem(`bembos.customer.${app.api.tenantId}.pending-order`);
    app.cart.set({ ...EMPTY_CART, location_id: cart.location_id });
    navigate(`/pedido/${order.order_id}/pagar`);
  });

  if (!session) return null;
  if (!cart.lines.length) {
    return (
      <main id="contenido" class="narrow">
        <h1>Confirmar pedido</h1>
        <p>
          Tu carrito está vacío. <Link to="/">Ver la carta</Link>
        </p>
      </main>
    );
  }
  const closed = location ? closedNotice(location) : null;
  const submit = () => {
    if (closed) return;
    if (dispatch === "delivery" && address.trim().length < 5) {
      setAddressError("Escribe la dirección de entrega (calle, número y referencia).");
      return;
    }
    setAddressError(undefined);
    void create.run();
  };
  return (
    <main id="contenido" class="narrow">
      <h1>Confirmar pedido</h1>
      <Form class="stack" onSend={submit}>
        <section class="card stack" aria-labelledby="entrega">
          <h2 id="entrega">Entrega</h2>
          <p>
            <strong>{dispatchLabel(dispatch)}</strong> · {location?.name ?? "…"}{" "}
            <Link to="/carrito" class="small">
              Cambiar
            </Link>
          </p>
          {quote && (
            <p data-testid="espera">
              <strong>{quoteLabel(dispatch, checkoutMinutes(quote, dispatch))}</strong>{" "}
              <span class="small muted">según los tiempos recientes del local</span>
            </p>
          )}
          {dispatch === "delivery" ? (
            <Field
              label="Dirección de entrega"
              name="address"
              autocomplete="street-address"
              placeholder="Calle, número, distrito y referencia"
              value={address}
              maxLength={200}
              error={addressError ?? create.error?.fieldMessage("address")}
              onInput={(event) => setAddress((event.target as HTMLInputElement).value)}
            />
          ) : (
            location && <p class="small muted">Recógelo en {location.address}.</p>
          )}
        </section>
        <section class="card" aria-labelledby="resumen">
          <h2 id="resumen">Tu pedido</h2>
          <ul class="summary-lines">
            {cart.lines.map((line) => (
              <li key={line.key} class="spread">
                <span>
                  {line.quantity} × {line.name} ({line.size}){line.notes ? ` · “${line.notes}”` : ""}
                </span>
                <span class="num">{soles(line.unit_price_cents * line.quantity)}</span>
              </li>
            ))}
          </ul>
          <Totals totals={estimate} />
        </section>
        {closed && <Notice kind="warning">{closed} <Link to="/locales">Elegir otro local</Link></Notice>}
        {create.error && <Notice kind="error">{create.error.message}</Notice>}
        <Button
          type="submit"
          busy={create.busy}
          busyLabel="Registrando tu pedido…"
          disabled={Boolean(closed)}
          class="button button--primary button--block"
        >
          Confirmar pedido · {soles(estimate.total_cents)}
        </Button>
        <p class="small muted">Después de confirmar, pagas con tarjeta o con Mercado Pago.</p>
      </Form>
    </main>
  );
}
