/** The customer's orders, newest first, a page at a time; each opens its live page. */
import { useEffect, useState } from "preact/hooks";
import { dateAndTime } from "../../../shared/dates";
import { errorText } from "../../../shared/hooks";
import { soles } from "../../../shared/money";
import { Link, currentPath, navigate } from "../../../shared/router";
import { useStore } from "../../../shared/store";
import { Button, Loading, Notice } from "../../../shared/ui";
import { useApp } from "../context";
import { useLive } from "../live";
import { FINAL, type OrderSummary, estadoLabel, shortId } from "../../../shared/orders";

const PAGE = 10;

export function OrdersPage() {
  const app = useApp();
  const session = useStore(app.sessions);
  const [orders, setOrders] = useState<OrderSummary[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = async (from: string | null) => {
    setBusy(true);
    try {
      const page = await app.api.get<{ items: OrderSummary[]; next_cursor: string | null }>("pedidos", {
        query: { limit: PAGE, cursor: from },
      });
      setOrders((previous) => (from && previous ? [...previous, ...page.items] : page.items));
      setCursor(page.next_cursor);
      setError(null);
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    if (!session) navigate(`/ingresar?volver=${encodeURIComponent(currentPath())}`, { replace: true });
    else void load(null);
  }, [session?.token]);
  useLive(
    (message) => {
      if (!message.order_id || !message.estado_pedido) return;
      setOrders((list) =>
        list?.map((o) => (o.order_id === message.order_id ? { ...o, estado_pedido: message.estado_pedido as OrderSummary["estado_pedido"] } : o)) ?? null,
      );
    },
    () => undefined,
  );

  return (
    <main id="contenido" class="narrow">
      <h1>Mis pedidos</h1>
      {error && <Notice kind="error">{error}</Notice>}
      {!orders && !error && <Loading label="Cargando tus pedidos…" />}
      {orders && !orders.length && (
        <div class="card stack">
          <p>Todavía no tienes pedidos.</p>
          <Link to="/" class="button button--primary">
            Ver la carta
          </Link>
        </div>
      )}
      {orders && orders.length > 0 && (
        <ul class="order-list">
          {orders.map((order) => (
            <li key={order.order_id}>
              <Link to={`/pedido/${order.order_id}`} class="card order-row">
                <span class="spread">
                  <strong>Pedido {shortId(order.order_id)}</strong>
                  <span class={`pill ${order.estado_pedido === "CANCELADO" ? "pill--red" : FINAL.includes(order.estado_pedido) ? "pill--green" : "pill--amber"}`}>
                    {estadoLabel(order.estado_pedido, order.dispatch)}
                  </span>
                </span>
                <span class="spread small muted">
                  <span>
                    {dateAndTime(order.created_at)} · {order.items_count} {order.items_count === 1 ? "producto" : "productos"}
                  </span>
                  <span class="num">{soles(order.total_cents)}</span>
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
      {cursor && (
        <Button variant="secondary" busy={busy} busyLabel="Cargando…" onClick={() => void load(cursor)}>
          Ver pedidos anteriores
        </Button>
      )}
    </main>
  );
}
