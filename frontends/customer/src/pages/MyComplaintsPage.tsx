/**
 * "Mis reclamos": the customer's entries in the book, most recent first, each with its state, the time
 * left to answer (in words) and the answer once there is one. Live: a `ComplaintAnswered` or
 * `ComplaintFiled` push re-reads that entry, and every (re)connection re-reads the list, so an answer
 * given while the customer was offline shows too.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { dateAndTime } from "../../../shared/dates";
import { errorText } from "../../../shared/hooks";
import { soles } from "../../../shared/money";
import { shortId } from "../../../shared/orders";
import { Link, currentPath, navigate } from "../../../shared/router";
import { useStore } from "../../../shared/store";
import { Button, Loading, Notice } from "../../../shared/ui";
import { type Complaint, TIPO_LABELS, timeLeft } from "../../../shared/complaints";
import { BIENES, ESTADO_LABELS, fullDate, upsert } from "../complaints";
import { useApp } from "../context";
import { LiveBadge, useLive } from "../live";

const PAGE = 10;
const COMPLAINT_EVENTS = new Set(["ComplaintFiled", "ComplaintAnswered"]);

export function MyComplaintsPage() {
  const app = useApp();
  const session = useStore(app.sessions);
  const [complaints, setComplaints] = useState<Complaint[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [now, setNow] = useState(() => new Date());
  const generation = useRef(0);

  const load = async (from: string | null) => {
    const mine = ++generation.current; // a later read wins over an earlier one still in flight
    setBusy(true);
    try {
      const page = await app.api.get<{ items: Complaint[]; next_cursor: string | null }>("reclamaciones", { query: { limit: PAGE, cursor: from } });
      if (mine !== generation.current) return;
      setComplaints((previous) => (from && previous ? [...previous, ...page.items] : page.items));
      setCursor(page.next_cursor);
      setError(null);
      setNow(new Date());
    } catch (caught) {
      if (mine === generation.current) setError(errorText(caught));
    } finally {
      if (mine === generation.current) setBusy(false);
    }
  };
  const refresh = async (numero: number) => {
    try {
      const entry = await app.api.get<Complaint>(`reclamaciones/${numero}`);
      setComplaints((list) => (list ? upsert(list, entry) : [entry]));
    } catch {
      void load(null); // the entry could not be read alone: the list then
    }
  };

  useEffect(() => {
    if (!session) navigate(`/ingresar?volver=${encodeURIComponent(currentPath())}`, { replace: true });
    else void load(null);
  }, [session?.token]);
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), 60_000); // the time left counts down while the page is open
    return () => clearInterval(timer);
  }, []);
  const status = useLive(
    (message) => {
      if (!COMPLAINT_EVENTS.has(message.type)) return;
      const numero = Number(message.numero);
      if (Number.isInteger(numero) && numero > 0) void refresh(numero);
      else void load(null);
    },
    () => void load(null),
  );

  if (!session) return null;
  return (
    <main id="contenido" class="narrow">
      <div class="page-title">
        <h1>Mis reclamos</h1>
        <LiveBadge status={status} />
      </div>
      <p>
        <Link to="/libro-de-reclamaciones" class="button button--secondary button--block">
          Presentar un reclamo o queja
        </Link>
      </p>
      {error && <Notice kind="error">{error}</Notice>}
      {!complaints && !error && <Loading label="Cargando tus reclamos…" />}
      {complaints && !complaints.length && (
        <div class="card">
          <p>Aún no has presentado reclamos ni quejas.</p>
        </div>
      )}
      {complaints && complaints.length > 0 && (
        <ul class="complaint-list">
          {complaints.map((complaint) => (
            <li key={complaint.numero}>
              <ComplaintCard complaint={complaint} now={now} />
            </li>
          ))}
        </ul>
      )}
      {cursor && (
        <Button variant="secondary" busy={busy} busyLabel="Cargando…" onClick={() => void load(cursor)}>
          Ver reclamos anteriores
        </Button>
      )}
    </main>
  );
}

function ComplaintCard({ complaint, now }: { complaint: Complaint; now: Date }) {
  const titleId = `reclamo-${complaint.numero}`;
  const answered = complaint.estado === "respondido";
  const bien = BIENES.find((b) => b.value === complaint.bien)?.label ?? complaint.bien;
  const left = timeLeft(complaint, now);
  return (
    <article class="card complaint" aria-labelledby={titleId} data-testid="reclamo">
      <header class="spread">
        <h2 id={titleId} class="complaint__code">
          {complaint.codigo}
        </h2>
        <span class={`pill ${answered ? "pill--green" : "pill--amber"}`} data-testid="estado-reclamo">
          {ESTADO_LABELS[complaint.estado]}
        </span>
      </header>
      <p class="small muted">
        {TIPO_LABELS[complaint.tipo]} · {bien} · {dateAndTime(complaint.filed_at)}
      </p>
      <p class="complaint__subject">
        {complaint.descripcion_bien}
        {complaint.monto_cents !== null && <span class="num"> · {soles(complaint.monto_cents)}</span>}
        {complaint.order_id && <span class="muted"> · Pedido {shortId(complaint.order_id)}</span>}
      </p>
      {!answered && (
        <p class={`complaint__due complaint__due--${left.urgency}`}>
          <strong>{left.words}</strong> · respuesta a más tardar el {fullDate(complaint.due_at)}
        </p>
      )}
      {answered && complaint.respuesta && (
        <section class="complaint__answer" aria-label="Respuesta">
          <h3>Respuesta{complaint.answered_at ? ` del ${dateAndTime(complaint.answered_at)}` : ""}</h3>
          <p class="complaint__text">{complaint.respuesta}</p>
          {complaint.answered_by && <p class="small muted">{complaint.answered_by}</p>}
        </section>
      )}
      <details class="complaint__details">
        <summary>Ver lo que escribiste</summary>
        <h3>¿Qué pasó?</h3>
        <p class="complaint__text">{complaint.detalle}</p>
        <h3>¿Qué solución pides?</h3>
        <p class="complaint__text">{complaint.pedido_consumidor}</p>
      </details>
    </article>
  );
}
