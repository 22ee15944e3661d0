/** Orders of a location by state and day (one Query per page), and one order with its timeline and cancel. */
import { useEffect, useState } from "preact/hooks";
import { dateAndTime, limaDay } from "../../../shared/dates";
import { errorText, useAction, useLoad } from "../../../shared/hooks";
import { soles } from "../../../shared/money";
import { ESTADO_LABELS, type Estado, type Order, paymentMessage, shortId } from "../../../shared/orders";
import { Link } from "../../../shared/router";
import { Timeline } from "../../../shared/Timeline";
import { Button, Form, Loading, Notice, TextArea } from "../../../shared/ui";
import { useApp } from "../context";
import { LocationSelect, useChosenLocation } from "./common";
import { useAdminEvents } from "./live";

interface LocationOrder {
  order_id: string;
  estado_pedido: Estado;
  dispatch: "delivery" | "pickup";
  total_cents: number;
  created_at: string;
  items_count: number;
  customer_name: string;
  address: string | null;
  needs_admin: string | null;
}

const STATES: Estado[] = ["COCINA", "EMPAQUETAMIENTO", "DELIVERY", "PAGADO", "PENDIENTE_PAGO", "ENTREGADO", "CANCELADO"];

export function OrdersAdmin() {
  const app = useApp();
  const [chosen, setLocation] = useChosenLocation();
  const [estado, setEstado] = useState<Estado>("COCINA");
  const [day, setDay] = useState(limaDay());
  const [orders, setOrders] = useState<LocationOrder[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = async (from: string | null) => {
    if (!chosen) return;
    try {
      const page = await app.api.get<{ items: LocationOrder[]; next_cursor: string | null }>(`locales/${chosen}/pedidos`, {
        query: { estado, dia: day, limit: 20, cursor: from },
      });
      setOrders((previous) => (from && previous ? [...previous, ...page.items] : page.items));
      setCursor(page.next_cursor);
      setError(null);
    } catch (caught) {
      setError(errorText(caught));
    }
  };
  useEffect(() => {
    setOrders(null);
    void load(null);
  }, [chosen, estado, day]);
  useAdminEvents((message) => {
    if (!message || (message.type === "OrderStatusChanged" && message.location_id === chosen)) void load(null);
  });

  return (
    <main id="contenido">
      <h1>Pedidos</h1>
      <Form class="filters card" onSend={() => undefined /* the filters apply as they change */} aria-label="Filtros">
        <LocationSelect value={chosen} onChange={setLocation} />
        <label class="field">
          <span>Estado</span>
          <select value={estado} onChange={(e) => setEstado((e.target as HTMLSelectElement).value as Estado)}>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {ESTADO_LABELS[s]}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Día</span>
          <input type="date" value={day} max={limaDay()} onChange={(e) => setDay((e.target as HTMLInputElement).value || limaDay())} />
        </label>
      </Form>
      {error && <Notice kind="error">{error}</Notice>}
      {!orders && !error && <Loading label="Cargando pedidos…" />}
      {orders && !orders.length && <p class="card">No hay pedidos en este estado ese día.</p>}
      {orders && orders.length > 0 && (
        <div class="card table-wrap">
          <table>
            <caption class="visually-hidden">Pedidos</caption>
            <thead>
              <tr>
                <th scope="col">Pedido</th>
                <th scope="col">Hora</th>
                <th scope="col">Cliente</th>
                <th scope="col">Entrega</th>
                <th scope="col" class="num">
                  Total
                </th>
              </tr>
            </thead>
            <tbody>
              {orders.map((order) => (
                <tr key={order.order_id}>
                  <td>
                    <Link to={`/admin/pedidos/${order.order_id}`}>{shortId(order.order_id)}</Link>
                    {order.needs_admin && <span class="pill pill--red"> Revisar</span>}
                  </td>
                  <td>{dateAndTime(order.created_at).split(", ")[1]}</td>
                  <td>{order.customer_name}</td>
                  <td>{order.dispatch === "delivery" ? "Delivery" : "Recojo"}</td>
                  <td class="num">{soles(order.total_cents)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor && (
        <Button variant="secondary" onClick={() => void load(cursor)}>
          Ver más
        </Button>
      )}
    </main>
  );
}

export function OrderDetail({ orderId }: { orderId: string }) {
  const app = useApp();
  const order = useLoad(() => app.api.get<Order>(`pedidos/${orderId}`), [orderId]);
  const [reason, setReason] = useState("");
  const [done, setDone] = useState<string | null>(null);
  useAdminEvents((message) => {
    if (!message || message.order_id === orderId) void order.reload();
  });
  const cancel = useAction(async () => {
    await app.api.post(`pedidos/${orderId}/cancelar`, { reason: reason.trim() });
    setDone("Pedido cancelado. El reembolso se pidió a Mercado Pago.");
    await order.reload();
  });
  if (order.error && !order.data) {
    return (
      <main id="contenido">
        <Notice kind="error">{order.error}</Notice>
      </main>
    );
  }
  if (!order.data) {
    return (
      <main id="contenido">
        <Loading />
      </main>
    );
  }
  const current = order.data;
  const cancellable = !["ENTREGADO", "CANCELADO"].includes(current.estado_pedido);
  return (
    <main id="contenido" class="order-admin">
      <p>
        <Link to="/admin/pedidos">← Pedidos</Link>
      </p>
      <h1>
        Pedido {shortId(current.order_id)} · <span data-testid="estado">{ESTADO_LABELS[current.estado_pedido]}</span>
      </h1>
      <div class="columns">
        <section class="card stack" aria-labelledby="linea">
          <h2 id="linea">Línea de tiempo</h2>
          <Timeline order={current} />
          <p class="small muted">
            {current.location_id} · {current.dispatch === "delivery" ? `Delivery a ${current.address}` : "Recojo en tienda"} ·{" "}
            {dateAndTime(current.created_at)}
          </p>
          <p class="small">Pago: {current.payment.status ? paymentMessage(current.payment.status, current.payment.status_detail) : "sin pago"}</p>
        </section>
        <section class="card stack" aria-labelledby="contenido-pedido">
          <h2 id="contenido-pedido">Contenido</h2>
          <ul class="plain">
            {current.items.map((line, index) => (
              <li key={index}>
                {line.quantity} × {line.name} ({line.size}) {line.notes ? `· “${line.notes}”` : ""} — {soles(line.line_total_cents)}
              </li>
            ))}
          </ul>
          <p>
            <strong>Total {soles(current.total_cents)}</strong>
          </p>
        </section>
      </div>
      {done && <Notice kind="success">{done}</Notice>}
      {cancellable && (
        <Form
          class="card stack"
          aria-labelledby="cancelar"
          onSend={() => void cancel.run()}
        >
          <h2 id="cancelar">Cancelar el pedido</h2>
          <TextArea
            label="Motivo (lo verá el cliente)"
            value={reason}
            maxLength={300}
            onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)}
          />
          {cancel.error && <Notice kind="error">{cancel.error.message}</Notice>}
          <Button type="submit" variant="danger" busy={cancel.busy} disabled={reason.trim().length < 3}>
            Cancelar pedido y reembolsar
          </Button>
        </Form>
      )}
    </main>
  );
}
