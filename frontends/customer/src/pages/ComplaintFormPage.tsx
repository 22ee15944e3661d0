/**
 * The Libro de Reclamaciones' sheet: the consumer's data (prefilled from the profile; the e-mail is the
 * account's), the good or service (optionally one of the customer's orders), the complaint and what the
 * consumer asks for. Checked here first (Spanish, next to each field); filed once per submission (its
 * Idempotency-Key); then the confirmation with the entry's code and the date the answer is due.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { dateAndTime } from "../../../shared/dates";
import { useAction, useLoad } from "../../../shared/hooks";
import { soles } from "../../../shared/money";
import { type OrderSummary, shortId } from "../../../shared/orders";
import { Link, currentPath, navigate, useLocation } from "../../../shared/router";
import { useStore } from "../../../shared/store";
import { Button, Field, Form, Loading, Notice, TextArea } from "../../../shared/ui";
import { type Complaint, type DocumentoTipo, TIPO_LABELS } from "../../../shared/complaints";
import {
  BIENES,
  type ComplaintForm,
  DOCUMENTOS,
  type FormErrors,
  SubmissionKey,
  TIPOS,
  complaintBody,
  complaintErrorMessage,
  emptyForm,
  fullDate,
  shortDate,
  validate,
} from "../complaints";
import { useApp } from "../context";

interface Profile {
  email: string;
  name: string;
  phone: string | null;
}

/** The API's names of the form's fields, for the problems it points at (`details[].loc`). */
const API_FIELDS: Partial<Record<keyof ComplaintForm, string>> = {
  descripcion_bien: "descripcion_bien",
  monto: "monto_cents",
  detalle: "detalle",
  pedido_consumidor: "pedido_consumidor",
  nombre: "nombre",
  documento_numero: "documento_numero",
  domicilio: "domicilio",
  telefono: "telefono",
};

function orderLabel(order: OrderSummary): string {
  return `${shortId(order.order_id)} · ${shortDate(order.created_at)} · ${soles(order.total_cents)}`;
}

export function ComplaintFormPage() {
  const app = useApp();
  const session = useStore(app.sessions);
  const { query } = useLocation();
  const loaded = useLoad(async () => {
    if (!session) return null;
    const [profile, orders] = await Promise.all([
      app.api.get<Profile>("perfil"),
      // The order is optional: without the list the form still works.
      app.api.get<{ items: OrderSummary[] }>("pedidos", { query: { limit: 20 } }).then(
        (page) => page.items,
        () => [] as OrderSummary[],
      ),
    ]);
    return { profile, orders };
  }, [session?.token]);
  const [form, setForm] = useState<ComplaintForm>(emptyForm);
  const [filled, setFilled] = useState(false);
  const [errors, setErrors] = useState<FormErrors>({});
  const [attempt, setAttempt] = useState(0);
  const [filed, setFiled] = useState<Complaint | null>(null);
  const keys = useRef(new SubmissionKey());

  useEffect(() => {
    if (!session) navigate(`/ingresar?volver=${encodeURIComponent(currentPath())}`, { replace: true });
  }, [session?.token]);
  useEffect(() => {
    // The fields hold the profile before the form shows, so nothing typed is overwritten.
    if (!loaded.data || filled) return;
    const wanted = query.get("pedido");
    const order = loaded.data.orders.find((o) => o.order_id === wanted);
    setForm((f) => ({ ...f, nombre: loaded.data?.profile.name ?? "", telefono: loaded.data?.profile.phone ?? "", order_id: order?.order_id ?? "" }));
    setFilled(true);
  }, [loaded.data]);
  useEffect(() => {
    // After a refused send, the first field to fix gets the focus (and scrolls into view).
    if (attempt) document.querySelector<HTMLElement>(".complaint-form [aria-invalid=true]")?.focus();
  }, [attempt]);

  const send = useAction(async () => {
    const order = loaded.data?.orders.find((o) => o.order_id === form.order_id) ?? null;
    const body = complaintBody(form, order);
    const entry = await app.api.post<Complaint>("reclamaciones", body, { idempotencyKey: keys.current.for(body) });
    keys.current.reset();
    setFiled(entry);
    window.scrollTo(0, 0);
  });

  if (!session) return null;
  if (filed) return <Filed complaint={filed} />;
  if (loaded.error) {
    return (
      <main id="contenido" class="narrow">
        <h1>Libro de Reclamaciones</h1>
        <Notice kind="error">{loaded.error}</Notice>
      </main>
    );
  }
  if (!loaded.data || !filled) {
    return (
      <main id="contenido" class="narrow">
        <h1>Libro de Reclamaciones</h1>
        <Loading />
      </main>
    );
  }
  const { profile, orders } = loaded.data;
  const set = (field: keyof ComplaintForm) => (event: Event) => {
    const target = event.target as HTMLInputElement;
    setForm({ ...form, [field]: target.type === "checkbox" ? target.checked : target.value });
  };
  const problem = (field: keyof ComplaintForm): string | undefined => {
    if (errors[field]) return errors[field];
    const apiField = API_FIELDS[field];
    return apiField ? send.error?.fieldMessage(apiField) : undefined;
  };
  const submit = () => {
    const found = validate(form);
    setErrors(found);
    if (Object.keys(found).length) setAttempt((n) => n + 1);
    else void send.run();
  };

  return (
    <main id="contenido" class="narrow stack">
      <h1>Libro de Reclamaciones</h1>
      <p class="small muted">
        Conforme al Código de Protección y Defensa del Consumidor, {app.tenant.name} cuenta con un Libro de Reclamaciones virtual. Te
        responderemos en el plazo legal y te enviaremos una copia de tu hoja por correo.{" "}
        <Link to="/mis-reclamos">Ver mis reclamos</Link>
      </p>
      <Form class="stack complaint-form" onSend={submit} aria-label="Hoja de reclamación">
        <fieldset class="card stack">
          <legend>1. Tus datos</legend>
          <Field label="Nombre y apellido" name="nombre" autocomplete="name" value={form.nombre} onInput={set("nombre")} error={problem("nombre")} />
          <Documento
            id="documento"
            tipoLabel="Documento"
            numeroLabel="Número de documento"
            tipo={form.documento_tipo}
            numero={form.documento_numero}
            error={problem("documento_numero")}
            onTipo={set("documento_tipo")}
            onNumero={set("documento_numero")}
          />
          <Field label="Domicilio" name="domicilio" autocomplete="street-address" value={form.domicilio} onInput={set("domicilio")} error={problem("domicilio")} />
          <Field label="Teléfono (opcional)" type="tel" name="telefono" autocomplete="tel" inputMode="tel" value={form.telefono} onInput={set("telefono")} error={problem("telefono")} />
          <div class="field">
            <label for="correo">Correo</label>
            <input id="correo" type="email" value={profile.email} readOnly aria-describedby="correo-hint" />
            <p class="field__hint" id="correo-hint">
              El de tu cuenta: allí te enviaremos la copia y la respuesta.
            </p>
          </div>
          <label class="choice">
            <input type="checkbox" checked={form.menor} onChange={set("menor")} />
            <span class="choice__text">Soy menor de edad (lo presenta mi padre, madre o apoderado)</span>
          </label>
          {form.menor && (
            <Guardian
              nombre={form.apoderado_nombre}
              tipo={form.apoderado_documento_tipo}
              numero={form.apoderado_documento_numero}
              errors={errors}
              onInput={set}
            />
          )}
        </fieldset>

        <fieldset class="card stack">
          <legend>2. ¿Sobre qué es?</legend>
          <Choices name="bien" legend="Bien contratado" options={BIENES} value={form.bien} error={errors.bien} onChange={(value) => setForm({ ...form, bien: value })} />
          <Field label="¿Qué producto o servicio?" name="descripcion_bien" maxLength={200} placeholder="Ej.: Combo Royal, delivery" value={form.descripcion_bien} onInput={set("descripcion_bien")} error={problem("descripcion_bien")} />
          <Field label="Monto reclamado en soles (opcional)" name="monto" inputMode="decimal" placeholder="Ej.: 26.90" value={form.monto} onInput={set("monto")} error={problem("monto")} />
          {orders.length > 0 && (
            <div class="field">
              <label for="pedido">Pedido relacionado (opcional)</label>
              <select id="pedido" value={form.order_id} onChange={set("order_id")}>
                <option value="">Ninguno</option>
                {orders.map((order) => (
                  <option key={order.order_id} value={order.order_id}>
                    {orderLabel(order)}
                  </option>
                ))}
              </select>
            </div>
          )}
        </fieldset>

        <fieldset class="card stack">
          <legend>3. Tu reclamo o queja</legend>
          <Choices name="tipo" legend="¿Reclamo o queja?" options={TIPOS} value={form.tipo} error={errors.tipo} onChange={(value) => setForm({ ...form, tipo: value })} />
          <TextArea label="¿Qué pasó?" name="detalle" rows={5} maxLength={2000} value={form.detalle} onInput={set("detalle")} error={problem("detalle")} hint="Cuéntanos con detalle: qué, cuándo y dónde." />
          <TextArea label="¿Qué solución pides?" name="pedido_consumidor" rows={3} maxLength={1000} value={form.pedido_consumidor} onInput={set("pedido_consumidor")} error={problem("pedido_consumidor")} />
        </fieldset>

        {Object.keys(errors).length > 0 && <Notice kind="error">Revisa los datos marcados.</Notice>}
        {send.error && <Notice kind="error">{complaintErrorMessage(send.error)}</Notice>}
        <Button type="submit" busy={send.busy} busyLabel="Enviando…" class="button button--primary button--block">
          Enviar {form.tipo === "queja" ? "queja" : "reclamo"}
        </Button>
        <p class="small muted">
          La formulación del reclamo no impide acudir a otras vías de solución de controversias ni es requisito previo para interponer una
          denuncia ante el INDECOPI.
        </p>
      </Form>
    </main>
  );
}

/** A choice among a few options, as radio buttons with their explanation; its problem under them. */
function Choices<T extends string>({
  name,
  legend,
  options,
  value,
  error,
  onChange,
}: {
  name: string;
  legend: string;
  options: { value: T; label: string; hint?: string }[];
  value: T | "";
  error?: string;
  onChange: (value: T) => void;
}) {
  const errorId = `${name}-error`;
  return (
    <fieldset class={`choices${error ? " choices--invalid" : ""}`} aria-describedby={error ? errorId : undefined}>
      <legend>{legend}</legend>
      {options.map((option) => (
        <label class="choice" key={option.value}>
          <input type="radio" name={name} value={option.value} checked={value === option.value} aria-invalid={error ? true : undefined} onChange={() => onChange(option.value)} />
          <span class="choice__text">
            <strong>{option.label}</strong>
            {option.hint && <span class="choice__hint">{option.hint}</span>}
          </span>
        </label>
      ))}
      {error && (
        <p class="field__error" id={errorId}>
          {error}
        </p>
      )}
    </fieldset>
  );
}

/** A document: its type (a select) and its number, typed with the keyboard its type needs. */
function Documento(props: {
  id: string;
  tipoLabel: string;
  numeroLabel: string;
  tipo: DocumentoTipo;
  numero: string;
  error: string | undefined;
  onTipo: (event: Event) => void;
  onNumero: (event: Event) => void;
}) {
  const { id, tipo } = props;
  return (
    <div class="complaint-form__pair">
      <div class="field">
        <label for={`${id}-tipo`}>{props.tipoLabel}</label>
        <select id={`${id}-tipo`} value={tipo} onChange={props.onTipo}>
          {DOCUMENTOS.map((d) => (
            <option key={d.value} value={d.value}>
              {d.label}
            </option>
          ))}
        </select>
      </div>
      <Field label={props.numeroLabel} name={id} inputMode={tipo === "DNI" || tipo === "RUC" ? "numeric" : "text"} value={props.numero} onInput={props.onNumero} error={props.error} />
    </div>
  );
}

function Guardian({
  nombre,
  tipo,
  numero,
  errors,
  onInput,
}: {
  nombre: string;
  tipo: DocumentoTipo;
  numero: string;
  errors: FormErrors;
  onInput: (field: keyof ComplaintForm) => (event: Event) => void;
}) {
  return (
    <fieldset class="stack">
      <legend>Padre, madre o apoderado</legend>
      <Field label="Nombre y apellido del apoderado" name="apoderado_nombre" value={nombre} onInput={onInput("apoderado_nombre")} error={errors.apoderado_nombre} />
      <Documento
        id="apoderado-documento"
        tipoLabel="Documento del apoderado"
        numeroLabel="Número de documento del apoderado"
        tipo={tipo}
        numero={numero}
        error={errors.apoderado_documento_numero}
        onTipo={onInput("apoderado_documento_tipo")}
        onNumero={onInput("apoderado_documento_numero")}
      />
    </fieldset>
  );
}

/** What the customer sees once the entry is in the book: its code, its date, when the answer is due, the copy. */
function Filed({ complaint }: { complaint: Complaint }) {
  const kind = TIPO_LABELS[complaint.tipo].toLowerCase();
  return (
    <main id="contenido" class="narrow stack">
      <div class="card stack complaint-filed">
        <h1>Registramos tu {kind}</h1>
        <p class="complaint-filed__code">
          <span class="small muted">Código</span>
          <strong data-testid="codigo">{complaint.codigo}</strong>
        </p>
        <dl class="complaint-facts">
          <div>
            <dt>Fecha</dt>
            <dd>{dateAndTime(complaint.filed_at)}</dd>
          </div>
          <div>
            <dt>Plazo</dt>
            <dd>Respuesta a más tardar el {fullDate(complaint.due_at)}</dd>
          </div>
        </dl>
        <Notice kind="success">
          Enviamos una copia a <strong>{complaint.consumidor.email}</strong>.
        </Notice>
        <Link to="/mis-reclamos" class="button button--primary button--block">
          Ver mis reclamos
        </Link>
        <Link to="/" class="button button--secondary button--block">
          Volver a la carta
        </Link>
      </div>
    </main>
  );
}
