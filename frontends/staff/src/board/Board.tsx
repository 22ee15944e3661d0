/**
 * A stage's board (kitchen, packing, delivery) for one location: the tickets waiting, oldest first,
 * live over the WebSocket. A new ticket chimes and glows; each shows its age against the stage's
 * SLA; one tap takes it, one tap completes it, and a refusal (someone else took it) says why.
 * The same socket carries the staff messages ("Mensajes": a panel over the board, see messages/).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { elapsed } from "../../../shared/dates";
import type { ApiError } from "../../../shared/errors";
import { errorText } from "../../../shared/hooks";
import { useStore } from "../../../shared/store";
import { Loading, Notice } from "../../../shared/ui";
import { LiveBadge, useLiveChannel } from "../../../shared/useLive";
import { useApp } from "../context";
import { useSessionCheckOnDrop } from "../session";
import { MessagesCorner } from "../messages/Messages";
import { useMessages } from "../messages/useMessages";
import type { Board as BoardInfo } from "../roles";
import { SLA_LABELS, slaLevel } from "./sla";
import { chime, unlockSound } from "./sound";

export interface TicketLine {
  name: string;
  size: string;
  quantity: number;
  notes?: string | null;
}

export interface QueueEntry {
  order_id: string;
  status: "pending" | "claimed";
  dispatch: "delivery" | "pickup";
  enqueued_at: string;
  elapsed_seconds: number;
  claimed_by: string | null;
  claimed_by_name: string | null;
  customer_name: string | null;
  customer_phone: string | null;
  address: string | null;
  lines: TicketLine[];
}

interface QueueView {
  stage: string;
  location_id: string;
  orders: QueueEntry[];
}

const NEW_FOR_MS = 15_000;

function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

function mapLink(address: string): string {
  return `https://www.google.com/maps/search/?api=1&query=${encodeURIComponent(address)}`;
}

function Ticket({
  entry,
  board,
  fetchedAt,
  now,
  isNew,
  onAct,
  busy,
  problem,
}: {
  entry: QueueEntry;
  board: BoardInfo;
  fetchedAt: number;
  now: number;
  isNew: boolean;
  onAct: (entry: QueueEntry, action: "tomar" | "completar") => void;
  busy: boolean;
  problem: string | null;
}) {
  const app = useApp();
  const session = useStore(app.sessions);
  const age = entry.elapsed_seconds + Math.max(0, Math.floor((now - fetchedAt) / 1000));
  const level = slaLevel(age, app.tenant.sla_minutes[board.slaKey]);
  const mine = entry.claimed_by === session?.subject_id;
  const number = entry.order_id.slice(0, 8).toUpperCase();
  const admin = session?.rol === "admin";
  return (
    <article class={`ticket ticket--${level}${isNew ? " ticket--new" : ""}`} aria-label={`Pedido ${number}`}>
      <header class="ticket__header">
        <h2 class="ticket__number">#{number}</h2>
        <span class={`pill ${entry.dispatch === "delivery" ? "pill--amber" : ""}`}>
          {entry.dispatch === "delivery" ? "Delivery" : "Recojo"}
        </span>
      </header>
      <p class={`ticket__age ticket__age--${level}`}>
        <span class="ticket__timer" role="timer" aria-label={`Espera ${elapsed(age)}`}>
          {elapsed(age)}
        </span>{" "}
        <span>{SLA_LABELS[level]}</span>
      </p>
      <ul class="ticket__lines">
        {entry.lines.map((line, index) => (
          <li key={`${line.name}-${line.size}-${index}`}>
            <strong class="ticket__qty">{line.quantity}×</strong> {line.name} <span class="muted">({line.size})</span>
            {line.notes && <span class="ticket__notes">{line.notes}</span>}
          </li>
        ))}
      </ul>
      {board.stage === "DELIVERY" && (
        <div class="ticket__delivery">
          {entry.customer_name && <p class="small">Cliente: {entry.customer_name}</p>}
          {entry.address && <p class="ticket__address">{entry.address}</p>}
          <div class="row row--tight">
            {entry.address && (
              <a class="button button--secondary" href={mapLink(entry.address)} target="_blank" rel="noopener noreferrer">
                Ver en el mapa
              </a>
            )}
            {entry.customer_phone && (
              <a class="button button--secondary" href={`tel:${entry.customer_phone}`} aria-label={`Llamar al ${entry.customer_phone}`}>
                Llamar
              </a>
            )}
          </div>
        </div>
      )}
      <p class="ticket__who small">
        {entry.status === "pending" ? "Sin tomar" : mine ? "Lo tomaste tú" : `Tomado por ${entry.claimed_by_name ?? "otra persona"}`}
      </p>
      {problem && <Notice kind="error">{problem}</Notice>}
      {entry.status === "pending" ? (
        <button type="button" class="button button--primary button--big" disabled={busy} onClick={() => onAct(entry, "tomar")}>
          {busy ? "Tomando…" : "Tomar"}
        </button>
      ) : mine || admin ? (
        <button type="button" class="button button--done button--big" disabled={busy} onClick={() => onAct(entry, "completar")}>
          {busy ? "Completando…" : board.stage === "DELIVERY" ? "Entregado" : "Listo"}
        </button>
      ) : null}
    </article>
  );
}

export function Board({ board, locationId }: { board: BoardInfo; locationId?: string }) {
  const app = useApp();
  const soundOn = useStore(app.sound);
  const [view, setView] = useState<QueueView | null>(null);
  const [fetchedAt, setFetchedAt] = useState(Date.now());
  const [error, setError] = useState<string | null>(null);
  const [fresh, setFresh] = useState<Record<string, number>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const known = useRef<Set<string> | null>(null);
  const soundRef = useRef(soundOn);
  soundRef.current = soundOn;
  const now = useNow();
  const [locationName, setLocationName] = useState<string | null>(null);
  useEffect(() => {
    if (!view) return;
    app.api
      .get<{ name: string }>(`locales/${view.location_id}`, { auth: false })
      .then((found) => setLocationName(found.name))
      .catch(() => setLocationName(null));
  }, [view?.location_id]);

  const load = async () => {
    try {
      const answer = await app.api.get<QueueView>(board.path, { query: { location_id: locationId, limit: 100 } });
      const ids = new Set(answer.orders.map((o) => o.order_id));
      if (known.current) {
        const arrived = [...ids].filter((id) => !known.current?.has(id));
        if (arrived.length) {
          setFresh((previous) => ({ ...previous, ...Object.fromEntries(arrived.map((id) => [id, Date.now()])) }));
          if (soundRef.current) chime();
        }
      }
      known.current = ids;
      setView(answer);
      setFetchedAt(Date.now());
      setError(null);
    } catch (caught) {
      setError(errorText(caught));
    }
  };
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const soon = () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => void load(), 150); // one read for a burst of pushes
  };
  const messages = useMessages();
  const live = useLiveChannel(
    app.config.websocket_url,
    app.sessions,
    (message) => messages.receive(message) || soon(),
    () => {
      soon();
      messages.reread();
    },
  );
  useSessionCheckOnDrop(live.status);
  useEffect(() => {
    known.current = null;
    setView(null);
    void load();
  }, [board.path, locationId]);

  const act = async (entry: QueueEntry, action: "tomar" | "completar") => {
    setBusy(entry.order_id);
    setProblems((p) => ({ ...p, [entry.order_id]: "" }));
    try {
      await app.api.post(`${board.path}/${entry.order_id}/${action}`);
    } catch (caught) {
      setProblems((p) => ({ ...p, [entry.order_id]: (caught as ApiError).message ?? errorText(caught) }));
    } finally {
      setBusy(null);
      await load();
    }
  };

  const toggleSound = () => {
    if (!soundOn) unlockSound();
    app.sound.set(!soundOn);
  };
  const orders = view?.orders ?? [];
  const waiting = orders.filter((o) => o.status === "pending").length;
  return (
    <main id="contenido" class="board">
      <div class="board__bar">
        <h1>
          {board.title}
          {view && <span class="board__location"> · {locationName ?? view.location_id}</span>}
        </h1>
        <p class="board__counts" aria-live="polite">
          {orders.length} {orders.length === 1 ? "pedido" : "pedidos"} · {waiting} sin tomar
        </p>
        <LiveBadge status={live.status} />
        <button type="button" class="button button--secondary" aria-pressed={soundOn} onClick={toggleSound} onPointerDown={unlockSound}>
          {soundOn ? "Sonido: sí" : "Sonido: no"}
        </button>
        <MessagesCorner messages={messages} live={live} />
      </div>
      {error && <Notice kind="error">{error}</Notice>}
      {!view && !error && <Loading label="Cargando pedidos…" />}
      {view && !orders.length && <p class="board__empty">No hay pedidos esperando. Los nuevos aparecen aquí solos.</p>}
      <div class="board__tickets">
        {orders.map((entry) => (
          <Ticket
            key={entry.order_id}
            entry={entry}
            board={board}
            fetchedAt={fetchedAt}
            now={now}
            isNew={now - (fresh[entry.order_id] ?? 0) < NEW_FOR_MS}
            onAct={(e, a) => void act(e, a)}
            busy={busy === entry.order_id}
            problem={problems[entry.order_id] || null}
          />
        ))}
      </div>
    </main>
  );
}
