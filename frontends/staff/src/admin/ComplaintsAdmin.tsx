/**
 * The Libro de Reclamaciones in the console: the book (pending ones most urgent first, or the answered, or
 * the whole book by number), each entry with every field and the answer form, and the book as a CSV.
 * A ComplaintFiled push re-reads the list (the new entry glows); so does every (re)connection.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { dateAndTime } from "../../../shared/dates";
import { ApiError, apiErrorFrom, NETWORK_MESSAGE } from "../../../shared/errors";
import { errorText, useAction, useLoad } from "../../../shared/hooks";
import { soles } from "../../../shared/money";
import { Link, navigate, useLocation } from "../../../shared/router";
import { useStore } from "../../../shared/store";
import { Button, Form, Loading, Notice } from "../../../shared/ui";
import { useApp } from "../context";
import {
  ANSWER_MAX,
  BIEN_LABELS,
  type Complaint,
  ESTADO_LABELS,
  TIPO_HINTS,
  TIPO_LABELS,
  URGENCY_PILL,
  answerErrorText,
  answerProblem,
  csvFileName,
  mostUrgentFirst,
  timeLeft,
} from "./complaints";
import { useLocations } from "./common";
import { useAdminEvents } from "./live";

const PATH = "/admin/reclamaciones";
type Filter = "pendiente" | "respondido" | "todos";
const FILTERS: { key: Filter; label: string }[] = [
  { key: "pendiente", label: "Pendientes" },
  { key: "respondido", label: "Respondidos" },
  { key: "todos", label: "Todo el libro" },
];
const PAGE = 50;
const NEW_FOR_MS = 30_000;

interface Page {
  items: Complaint[];
  next_cursor: string | null;
}

function isComplaintPush(type: string | undefined): boolean {
  return type === "ComplaintFiled" || type === "ComplaintAnswered";
}

/** The time left in words and by colour (a pill), with the due date. */
function Due({ complaint, now }: { complaint: Complaint; now: number }) {
  const left = timeLeft(complaint, now);
  return (
    <span class="due">
      <span class={`pill ${URGENCY_PILL[left.urgency]}`} data-urgency={left.urgency}>
        {left.words}
      </span>
      {left.urgency !== "done" && <span class="small muted"> vence {dateAndTime(complaint.due_at)}</span>}
    </span>
  );
}

/** Download the whole book (GET /reclamaciones/libro) with the session's token, as the API names it. */
function useCsvExport() {
  const app = useApp();
  return useAction(async () => {
    const session = app.sessions.get();
    let answer: Response;
    try {
      answer = await fetch(app.api.url("reclamaciones/libro"), {
        headers: { Accept: "text/csv", "X-Tenant-Id": app.tenantId, ...(session ? { Authorization: `Bearer ${session.token}` } : {}) },
      });
    } catch {
      throw new ApiError(0, "network", NETWORK_MESSAGE);
    }
    if (!answer.ok) {
      let body: unknown = null;
      try {
        body = await answer.json();
      } catch {
        body = null;
      }
      if (answer.status === 401) app.sessions.set(null);
      throw apiErrorFrom(answer.status, body);
    }
    const file = await answer.blob();
    const link = document.createElement("a");
    link.href = URL.createObjectURL(file);
    link.download = csvFileName(answer.headers.get("Content-Disposition"), app.tenantId);
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  });
}

export function ComplaintsAdmin() {
  const app = useApp();
  const { query } = useLocation();
  const filter = (FILTERS.find((f) => f.key === query.get("estado"))?.key ?? "pendiente") as Filter;
  const [items, setItems] = useState<Complaint[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [fresh, setFresh] = useState<Record<number, number>>({});
  const known = useRef<Set<number> | null>(null);
  const exporting = useCsvExport();
  const now = Date.now();

  const load = async (from: string | null) => {
    try {
      let list: Complaint[];
      let next: string | null = null;
      if (filter === "pendiente") {
        // Every pending entry, to put the most urgent on top (the API lists the book by number).
        list = mostUrgentFirst(await app.api.all<Complaint>("reclamaciones", { query: { estado: "pendiente", limit: 100 } }));
      } else {
        const page = await app.api.get<Page>("reclamaciones", {
          query: { estado: filter === "todos" ? undefined : filter, limit: PAGE, cursor: from },
        });
        list = page.items;
        next = page.next_cursor;
      }
      const numbers = new Set(list.map((c) => c.numero));
      if (known.current && !from) {
        const arrived = [...numbers].filter((n) => !known.current?.has(n));
        if (arrived.length) setFresh((previous) => ({ ...previous, ...Object.fromEntries(arrived.map((n) => [n, Date.now()])) }));
      }
      known.current = from && known.current ? new Set([...known.current, ...numbers]) : numbers;
      setItems((previous) => (from && previous ? [...previous, ...list] : list));
      setCursor(next);
      setError(null);
    } catch (caught) {
      setError(errorText(caught));
    }
  };
  useEffect(() => {
    known.current = null;
    setItems(null);
    void load(null);
  }, [filter]);
  useAdminEvents((message) => {
    if (!message || isComplaintPush(message.type)) void load(null);
  });

  return (
    <main id="contenido" class="complaints">
      <div class="page-title">
        <h1>Libro de Reclamaciones</h1>
        <Button variant="secondary" busy={exporting.busy} busyLabel="Descargando…" onClick={() => void exporting.run()}>
          Descargar libro (CSV)
        </Button>
      </div>
      {exporting.error && <Notice kind="error">{exporting.error.message}</Notice>}
      <div class="tabs" role="group" aria-label="Mostrar">
        {FILTERS.map((f) => (
          <button
            key={f.key}
            type="button"
            class="tab"
            aria-pressed={filter === f.key}
            aria-current={filter === f.key ? "true" : undefined}
            onClick={() => navigate(f.key === "pendiente" ? PATH : `${PATH}?estado=${f.key}`, { replace: true })}
          >
            {f.label}
          </button>
        ))}
      </div>
      {error && <Notice kind="error">{error}</Notice>}
      {!items && !error && <Loading label="Cargando el libro…" />}
      {items && !items.length && (
        <p class="card">{filter === "pendiente" ? "No hay reclamaciones pendientes. Las nuevas aparecen aquí solas." : "No hay entradas."}</p>
      )}
      {items && items.length > 0 && (
        <div class="card table-wrap">
          <table>
            <caption class="visually-hidden">Reclamaciones</caption>
            <thead>
              <tr>
                <th scope="col">Código</th>
                <th scope="col">Fecha</th>
                <th scope="col">Tipo</th>
                <th scope="col">Estado</th>
                <th scope="col">Plazo para responder</th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => {
                const isNew = now - (fresh[c.numero] ?? 0) < NEW_FOR_MS;
                return (
                  <tr key={c.numero} class={isNew ? "row--new" : undefined}>
                    <td>
                      <Link to={`${PATH}/${c.numero}`}>{c.codigo}</Link>
                      {isNew && <span class="pill pill--amber"> Nuevo</span>}
                    </td>
                    <td>{dateAndTime(c.filed_at)}</td>
                    <td>{TIPO_LABELS[c.tipo]}</td>
                    <td>{ESTADO_LABELS[c.estado]}</td>
                    <td>
                      <Due complaint={c} now={now} />
                    </td>
                  </tr>
                );
              })}
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

function Item({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

export function ComplaintDetail({ numero }: { numero: string }) {
  const app = useApp();
  const session = useStore(app.sessions);
  const locations = useLocations();
  const entry = useLoad(() => app.api.get<Complaint>(`reclamaciones/${numero}`), [numero]);
  const [respuesta, setRespuesta] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  useAdminEvents((message) => {
    if (!message || (isComplaintPush(message.type) && String(message.numero) === numero)) void entry.reload();
  });
  const answer = useAction(async () => {
    try {
      entry.set(await app.api.post<Complaint>(`reclamaciones/${numero}/respuesta`, { respuesta: respuesta.trim() }));
      setDone(true);
    } catch (caught) {
      if (caught instanceof ApiError && caught.code === "already_answered") await entry.reload();
      throw caught;
    }
  });
  const send = () => {
    const refused = answerProblem(respuesta);
    setProblem(refused);
    if (!refused) void answer.run();
  };
  if (entry.error && !entry.data) {
    return (
      <main id="contenido">
        <p>
          <Link to={PATH}>← Libro de Reclamaciones</Link>
        </p>
        <Notice kind="error">{entry.error}</Notice>
      </main>
    );
  }
  if (!entry.data) {
    return (
      <main id="contenido">
        <Loading />
      </main>
    );
  }
  const c = entry.data;
  const place = locations.data?.find((l) => l.location_id === c.location_id)?.name ?? c.location_id;
  const length = [...respuesta.trim()].length;
  return (
    <main id="contenido" class="complaint">
      <p>
        <Link to={PATH}>← Libro de Reclamaciones</Link>
      </p>
      <h1>
        {c.codigo} · {TIPO_LABELS[c.tipo]} · <span data-testid="estado">{ESTADO_LABELS[c.estado]}</span>
      </h1>
      <p>
        <Due complaint={c} now={Date.now()} />
      </p>
      <div class="columns">
        <section class="card" aria-labelledby="entrada">
          <h2 id="entrada">La entrada</h2>
          <dl class="facts">
            <Item label="Número">{c.numero}</Item>
            <Item label="Fecha">{dateAndTime(c.filed_at)}</Item>
            <Item label="Tipo">
              {TIPO_LABELS[c.tipo]} <span class="muted small">({TIPO_HINTS[c.tipo]})</span>
            </Item>
            <Item label="Bien contratado">
              {BIEN_LABELS[c.bien]}: {c.descripcion_bien}
            </Item>
            <Item label="Monto reclamado">{c.monto_cents === null ? "—" : soles(c.monto_cents)}</Item>
            <Item label="Pedido">{c.order_id ? <Link to={`/admin/pedidos/${c.order_id}`}>{c.order_id.slice(0, 8).toUpperCase()}</Link> : "—"}</Item>
            <Item label="Local">{place ?? "—"}</Item>
            <Item label="Plazo">vence {dateAndTime(c.due_at)}</Item>
          </dl>
        </section>
        <section class="card" aria-labelledby="consumidor">
          <h2 id="consumidor">Consumidor</h2>
          <dl class="facts">
            <Item label="Nombre">{c.consumidor.nombre}</Item>
            <Item label="Documento">
              {c.consumidor.documento_tipo} {c.consumidor.documento_numero}
            </Item>
            <Item label="Domicilio">{c.consumidor.domicilio}</Item>
            <Item label="Teléfono">{c.consumidor.telefono ?? "—"}</Item>
            <Item label="Correo">{c.consumidor.email}</Item>
            {c.apoderado && (
              <Item label="Padre, madre o apoderado">
                {c.apoderado.nombre} · {c.apoderado.documento_tipo} {c.apoderado.documento_numero}
              </Item>
            )}
          </dl>
        </section>
      </div>
      <section class="card stack" aria-labelledby="detalle">
        <h2 id="detalle">Detalle</h2>
        <p class="prose">{c.detalle}</p>
        <h2>Pedido del consumidor</h2>
        <p class="prose">{c.pedido_consumidor}</p>
      </section>
      {c.estado === "respondido" ? (
        <section class="card stack" aria-labelledby="respuesta">
          <h2 id="respuesta">Respuesta</h2>
          {done && <Notice kind="success">Respuesta registrada. El cliente la ve en su app y la recibe por correo.</Notice>}
          {answer.error && <Notice kind="warning">{answerErrorText(answer.error)}</Notice>}
          <p class="prose">{c.respuesta}</p>
          <p class="small muted">
            {c.answered_at ? dateAndTime(c.answered_at) : ""}
            {c.answered_by ? ` · ${c.answered_by}` : ""}
          </p>
        </section>
      ) : (
        <Form class="card stack" aria-labelledby="responder" onSend={send}>
          <h2 id="responder">Responder</h2>
          <div class="field">
            <label for="respuesta-texto">Respuesta al consumidor (la recibe en su app y por correo)</label>
            <textarea
              id="respuesta-texto"
              rows={6}
              value={respuesta}
              aria-describedby="respuesta-cuenta"
              onInput={(e) => {
                setRespuesta((e.target as HTMLTextAreaElement).value);
                setProblem(null);
              }}
            />
            <p id="respuesta-cuenta" class={`field__hint${length > ANSWER_MAX ? " field__error" : ""}`}>
              {length}/{ANSWER_MAX} caracteres (mínimo 10)
            </p>
          </div>
          {(problem || answer.error) && <Notice kind="error">{problem ?? (answer.error ? answerErrorText(answer.error) : "")}</Notice>}
          <p class="small muted">Responderás como {session?.name ?? session?.email}.</p>
          <Button type="submit" busy={answer.busy} busyLabel="Enviando…">
            Enviar respuesta
          </Button>
        </Form>
      )}
    </main>
  );
}
