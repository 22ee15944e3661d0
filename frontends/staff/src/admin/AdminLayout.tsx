/** The admin console's frame: its sections, the live channel, the staff messages, and overdue orders as they happen. */
import type { ComponentChildren } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { clock } from "../../../shared/dates";
import type { LiveMessage } from "../../../shared/live";
import { Link, useLocation } from "../../../shared/router";
import { LiveBadge, useLiveChannel } from "../../../shared/useLive";
import { useApp } from "../context";
import { useSessionCheckOnDrop } from "../session";
import { MessagesCorner } from "../messages/Messages";
import { useMessages } from "../messages/useMessages";
import { BOARDS } from "../roles";
import type { Complaint } from "./complaints";
import { AdminEvents, AdminEventsContext } from "./live";

const SECTIONS = [
  { path: "/admin/metricas", label: "Métricas" },
  { path: "/admin/pedidos", label: "Pedidos" },
  { path: "/admin/personal", label: "Personal" },
  { path: "/admin/carta", label: "Carta" },
  { path: "/admin/locales", label: "Locales" },
  { path: "/admin/reclamaciones", label: "Reclamaciones" },
];
const STAGE_NAMES: Record<string, string> = { COCINA: "cocina", EMPAQUETAMIENTO: "empaquetado", DELIVERY: "delivery" };

/** How many entries of the complaints book wait for an answer (the console's badge): re-read on every push. */
function usePendingComplaints(): { count: number; reload: () => void } {
  const app = useApp();
  const [count, setCount] = useState(0);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    app.api
      .all<Complaint>("reclamaciones", { query: { estado: "pendiente", limit: 100 } })
      .then((items) => live && setCount(items.length))
      .catch(() => undefined); // the badge stays as it was; the book's screen says what failed
    return () => {
      live = false;
    };
  }, [round]);
  return { count, reload: () => setRound((r) => r + 1) };
}

export function AdminLayout({ children }: { children: ComponentChildren }) {
  const app = useApp();
  const { path } = useLocation();
  const events = useMemo(() => new AdminEvents(), []);
  const [overdue, setOverdue] = useState<LiveMessage[]>([]);
  const messages = useMessages();
  const pending = usePendingComplaints();
  const live = useLiveChannel(
    app.config.websocket_url,
    app.sessions,
    (message) => {
      if (messages.receive(message)) return;
      if (message.type === "ComplaintFiled" || message.type === "ComplaintAnswered") pending.reload();
      if (message.type === "OrderOverdue") {
        setOverdue((list) => [message, ...list.filter((m) => m.order_id !== message.order_id)].slice(0, 5));
      }
      events.emit(message);
    },
    () => {
      messages.reread();
      pending.reload();
      events.emit(null);
    },
  );
  useSessionCheckOnDrop(live.status);
  return (
    <AdminEventsContext.Provider value={events}>
      <div class="admin">
        <nav class="admin__nav" aria-label="Consola">
          {SECTIONS.map((section) => (
            <Link key={section.path} to={section.path} class="tab" aria-current={path.startsWith(section.path) ? "page" : undefined}>
              {section.label}
              {section.path === "/admin/reclamaciones" && pending.count > 0 && (
                <span class="badge-count badge-count--alert" aria-label={pending.count === 1 ? "1 pendiente" : `${pending.count} pendientes`}>
                  {pending.count}
                </span>
              )}
            </Link>
          ))}
          <span class="admin__boards small">
            Tableros:{" "}
            {BOARDS.map((board) => (
              <Link key={board.path} to={`/${board.path}`} class="admin__board-link">
                {board.title}
              </Link>
            ))}
          </span>
          <LiveBadge status={live.status} />
          <MessagesCorner messages={messages} live={live} />
        </nav>
        {overdue.length > 0 && (
          <section class="alerts" aria-label="Pedidos atrasados" role="alert">
            {overdue.map((alert) => (
              <div class="notice notice--warning alert-row" key={alert.order_id}>
                <span>
                  <strong>Atrasado:</strong> pedido {String(alert.order_id).slice(0, 8).toUpperCase()} en{" "}
                  {STAGE_NAMES[String(alert.estado_pedido)] ?? alert.estado_pedido} ({alert.location_id})
                  {alert.at ? ` desde las ${clock(String(alert.at))}` : ""}
                </span>
                <span class="row">
                  <Link to={`/admin/pedidos/${alert.order_id}`}>Ver pedido</Link>
                  <button type="button" class="button button--ghost" onClick={() => setOverdue((list) => list.filter((m) => m !== alert))}>
                    Descartar
                  </button>
                </span>
              </div>
            ))}
          </section>
        )}
        {children}
      </div>
    </AdminEventsContext.Provider>
  );
}
