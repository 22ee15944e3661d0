/** One order, followed live: the timeline moves as the kitchen, packing and delivery complete their steps. */
import { useEffect, useState } from "preact/hooks";
import { dateAndTime } from "../../../shared/dates";
import { useLoad } from "../../../shared/hooks";
import { soles } from "../../../shared/money";
import { Link, navigate, useLocation } from "../../../shared/router";
import { useStore } from "../../../shared/store";
import { Button, Loading, Notice } from "../../../shared/ui";
import { dispatchLabel } from "../components/LocationCard";
import { Timeline } from "../../../shared/Timeline";
import { Totals } from "../components/Totals";
import { useApp } from "../context";
import { LiveBadge, useLive } from "../live";
import { FINAL, type Order, estadoLabel, paymentMessage, shortId } from "../../../shared/orders";
import { type OrderQuote, hasEstimate, quoteLabel } from "../quotes";

function ReturnNotice({ result, order }: { result: string | null; order: Order }) {
  if (!result || order.estado_pedido !== "PENDIENTE_PAGO") return null;
  if (result === "aprobado") return <Notice kind="success">¡Pago aprobado! Estamos confirmando tu pedido con el local.</Notice>;
  if (result === "pendiente") return <Notice kind="info">{paymentMessage("pending", order.payment.status_detail)}</Notice>;
  return <Notice kind="error">{paymentMessage("rejected", order.payment.status_detail)}</Notice>;
}

/** An unpaid order can be called off by its customer (a paid one only by the restaurant): asked twice, sent once. */
function CancelUnpaid({ orderId, onCancelled }: { orderId: string; onCancelled: () => void }) {
  const app = useApp();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const cancel = async () => {
    setBusy(true);
    setError(null);
    try {
      await app.api.post(`pedidos/${orderId}/cancelar`, { reason: "Cancelado por el cliente desde la app" });
      onCancelled();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
      setAsking(false);
    }
  };
  return (
    <div class="stack">
      {error && <Notice kind="error">{error}</Notice>}
      {asking ? (
        <div class="spread" role="group" aria-label="¿Cancelar este pedido?">
          <span>¿Cancelar este pedido?</span>
          <Button variant="danger" busy={busy} busyLabel="Cancelando…" onClick={() => void cancel()}>
            Sí, cancelar
          </Button>
          <Button variant="ghost" disabled={busy} onClick={() => setAsking(false)}>
            No
          </Button>
        </div>
      ) : (
        <Button variant="secondary" onClick={() => setAsking(true)}>
          Cancelar pedido
        </Button>
      )}
    </div>
  );
}

export function OrderPage({ orderId }: { orderId: string }) {
  const app = useApp();
  const session = useStore(app.sessions);
  const { query } = useLocation();
  const order = useLoad(() => app.api.get<Order>(`pedidos/${orderId}`), [orderId]);
  const [estimate, setEstimate] = useState<OrderQuote | null>(null);
  const current = order.data;
  const estimated = current !== null && hasEstimate(current.estado_pedido);
  // The estimate moves with the order: read again whenever the order is (its live events), gone once it is over.
  useEffect(() => {
    if (!current || !estimated) {
      setEstimate(null);
      return;
    }
    const path = `locales/${encodeURIComponent(current.location_id)}/espera/${encodeURIComponent(orderId)}`;
    app.api.get<OrderQuote>(path).then(setEstimate, () => setEstimate(null));
  }, [current, estimated, orderId]);
  const status = useLive(
    (message) => {
      if (message.order_id === orderId) void order.reload();
    },
    () => void order.reload(),
  );
  useEffect(() => {
    if (!session) navigate(`/ingresar?volver=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
  }, [session?.token]);
  const locationName = app.cachedMenu()?.locations.find((l) => l.location_id === order.data?.location_id)?.name;
  useEffect(() => {
    if (!app.cachedMenu()) void app.loadMenu();
  }, []);

  if (order.error && !order.data) {
    return (
      <main id="contenido" class="narrow">
        <Notice kind="error">{order.error}</Notice>
        <Link to="/pedidos">Ver mis pedidos</Link>
      </main>
    );
  }
  if (!current) {
    return (
      <main id="contenido" class="narrow">
        <Loading label="Cargando tu pedido…" />
      </main>
    );
  }
  const final = FINAL.includes(current.estado_pedido);
  return (
    <main id="contenido" class="narrow">
      <div class="page-title">
        <h1>Pedido {shortId(current.order_id)}</h1>
        {!final && <LiveBadge status={status} />}
      </div>
      <ReturnNotice result={query.get("pago")} order={current} />
      <section class="card stack" aria-labelledby="estado">
        <h2 id="estado">
          <span class="visually-hidden">Estado: </span>
          <span aria-live="polite" data-testid="estado">
            {estadoLabel(current.estado_pedido, current.dispatch)}
          </span>
        </h2>
        {estimate && estimated && (
          <p data-testid="espera-pedido">
            <strong>{quoteLabel(current.dispatch, estimate.minutes)}</strong>
          </p>
        )}
        <Timeline order={current} />
        {current.estado_pedido === "PENDIENTE_PAGO" && (
          <Link to={`/pedido/${current.order_id}/pagar`} class="button button--primary button--block">
            Pagar {soles(current.total_cents)}
          </Link>
        )}
        {current.estado_pedido === "PENDIENTE_PAGO" && <CancelUnpaid orderId={current.order_id} onCancelled={() => void order.reload()} />}
        {current.estado_pedido === "CANCELADO" && current.payment.refund_id && (
          <p class="small">Te devolvimos el pago (reembolso {current.payment.refund_id}).</p>
        )}
      </section>
      <section class="card stack" aria-labelledby="detalle">
        <h2 id="detalle">Detalle</h2>
        <p class="small muted">
          {dateAndTime(current.created_at)} · {dispatchLabel(current.dispatch)}
          {locationName ? ` · ${locationName}` : ""}
          {current.address ? ` · ${current.address}` : ""}
        </p>
        <ul class="summary-lines">
          {current.items.map((line) => (
            <li key={`${line.kind}:${line.item_id}:${line.size}:${line.notes ?? ""}`} class="spread">
              <span>
                {line.quantity} × {line.name} ({line.size}){line.notes ? ` · “${line.notes}”` : ""}
              </span>
              <span class="num">{soles(line.line_total_cents)}</span>
            </li>
          ))}
        </ul>
        <Totals totals={current} />
      </section>
      <p>
        <Link to="/pedidos">Ver todos mis pedidos</Link> · <Link to="/">Volver a la carta</Link>
      </p>
      <p class="small">
        ¿Un problema con este pedido? <Link to={`/libro-de-reclamaciones?pedido=${current.order_id}`}>Presenta un reclamo</Link>
      </p>
    </main>
  );
}
