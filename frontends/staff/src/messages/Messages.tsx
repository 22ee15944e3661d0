/**
 * "Mensajes" on every board and in the console: a button with the unread count that opens a side panel
 * over the screen (fixed, so it never takes a ticket's place; the board keeps working beside it), with
 * the composer, what is being sent, and the history, newest first. A message that arrives while the
 * panel is closed shows for a few seconds in a small note at the bottom corner.
 */
import { createPortal } from "preact/compat";
import { useContext, useEffect, useRef, useState } from "preact/hooks";
import { clock, dateAndTime, limaDay } from "../../../shared/dates";
import { errorText } from "../../../shared/hooks";
import type { LiveChannel } from "../../../shared/useLive";
import { useStore } from "../../../shared/store";
import { Button, Loading, Notice } from "../../../shared/ui";
import { LocationsContext } from "../admin/common";
import { TopbarSlot, useApp } from "../context";
import {
  type Contact,
  MAX_TEXT,
  type Me,
  type Place,
  type StaffMessage,
  defaultRecipient,
  recipientOptions,
  recipientText,
  replyKey,
  roleLabel,
} from "./messages";
import type { Messages } from "./useMessages";

const TOAST_MS = 8000;

function when(at: string): string {
  return limaDay(new Date(at)) === limaDay() ? clock(at) : dateAndTime(at);
}

function MessageItem({
  message,
  me,
  contacts,
  places,
  onReply,
}: {
  message: StaffMessage;
  me: Me;
  contacts: Contact[];
  places: Place[];
  onReply: (message: StaffMessage) => void;
}) {
  const mine = message.from.employee_id === me.subject_id;
  const who = mine ? "Tú" : `${message.from.name} (${roleLabel(message.from.rol)})`;
  return (
    <li class={`msg${mine ? " msg--mine" : ""}`}>
      <article aria-label={`Mensaje de ${mine ? "ti" : message.from.name}`}>
        <p class="msg__meta small">
          <strong>{who}</strong> · {recipientText(message, me, contacts, places)} · <time dateTime={message.at}>{when(message.at)}</time>
        </p>
        <p class="msg__text">{message.texto}</p>
        {!mine && (
          <button type="button" class="button button--ghost msg__reply" onClick={() => onReply(message)}>
            Responder a {message.from.name}
          </button>
        )}
      </article>
    </li>
  );
}

function Drawer({
  messages,
  live,
  me,
  contacts,
  contactsError,
  places,
  onClose,
}: {
  messages: Messages;
  live: LiveChannel;
  me: Me;
  contacts: Contact[];
  contactsError: string | null;
  places: Place[];
  onClose: () => void;
}) {
  const options = recipientOptions(me, contacts, places);
  const [to, setTo] = useState("");
  const [texto, setTexto] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  const chosen = options.find((o) => o.key === to) ?? options.find((o) => o.key === defaultRecipient(me, options));
  useEffect(() => heading.current?.focus(), []);
  const submit = () => {
    if (!chosen) return setProblem("Elige a quién va el mensaje.");
    const refused = messages.send(texto, chosen.to, chosen.label, live.send);
    setProblem(refused);
    if (!refused) setTexto("");
  };
  const reply = (message: StaffMessage) => {
    setTo(replyKey(message));
    area.current?.focus();
  };
  const groups = [...new Set(options.map((o) => o.group))];
  const length = [...texto.trim()].length;
  return (
    <section
      class="drawer"
      role="dialog"
      aria-modal="false"
      aria-labelledby="mensajes-titulo"
      onKeyDown={(event) => event.key === "Escape" && onClose()}
    >
      <header class="drawer__header">
        <h2 id="mensajes-titulo" tabIndex={-1} ref={heading}>
          Mensajes
        </h2>
        <button type="button" class="icon-button" onClick={onClose} aria-label="Cerrar mensajes">
          ×
        </button>
      </header>
      <div class="drawer__body">
        <form
          class="composer"
          aria-label="Escribir un mensaje"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            submit();
          }}
        >
          <label class="field">
            <span>Para</span>
            <select value={chosen?.key ?? ""} onChange={(e) => setTo((e.target as HTMLSelectElement).value)}>
              {groups.map((group) => (
                <optgroup key={group} label={group}>
                  {options
                    .filter((o) => o.group === group)
                    .map((o) => (
                      <option key={o.key} value={o.key}>
                        {o.label}
                      </option>
                    ))}
                </optgroup>
              ))}
            </select>
          </label>
          {contactsError && <p class="small muted">No pudimos cargar la lista de personas: {contactsError}</p>}
          <div class="field">
            <label for="mensaje-texto">Mensaje</label>
            <textarea
              id="mensaje-texto"
              ref={area}
              rows={2}
              maxLength={MAX_TEXT + 50}
              value={texto}
              aria-describedby="mensaje-cuenta"
              onInput={(e) => {
                setTexto((e.target as HTMLTextAreaElement).value);
                setProblem(null);
              }}
              onKeyDown={(event) => {
                if (event.key === "Enter" && !event.shiftKey) {
                  event.preventDefault();
                  submit();
                }
              }}
            />
            <p id="mensaje-cuenta" class={`field__hint${length > MAX_TEXT ? " field__error" : ""}`}>
              {length}/{MAX_TEXT} · Enter envía, Mayús+Enter nueva línea
            </p>
          </div>
          {problem && <Notice kind="error">{problem}</Notice>}
          <Button type="submit" disabled={live.status !== "open"}>
            {live.status === "open" ? "Enviar" : "Sin conexión…"}
          </Button>
        </form>
        {messages.notice && <Notice kind="error">{messages.notice}</Notice>}
        {messages.pending.length > 0 && (
          <ul class="plain msgs" aria-label="Enviando">
            {messages.pending.map((p) => (
              <li key={p.clientId} class={`msg msg--mine msg--pending${p.problem ? " msg--failed" : ""}`}>
                <p class="msg__meta small">
                  <strong>Tú</strong> · Para {p.label} · {p.problem ? "no enviado" : "enviando…"}
                </p>
                <p class="msg__text">{p.texto}</p>
                {p.problem && (
                  <div role="alert" class="msg__problem">
                    {p.problem}{" "}
                    <span class="row row--tight">
                      <button type="button" class="button button--ghost" onClick={() => setProblem(messages.resend(p.clientId, live.send))}>
                        Volver a enviar
                      </button>
                      <button type="button" class="button button--ghost" onClick={() => messages.drop(p.clientId)}>
                        Quitar
                      </button>
                    </span>
                  </div>
                )}
              </li>
            ))}
          </ul>
        )}
        {me.rol === "admin" && places.length > 0 && (
          <label class="field">
            <span>Historial</span>
            <select value={messages.scope} onChange={(e) => messages.setScope((e.target as HTMLSelectElement).value)}>
              <option value="">Mis mensajes</option>
              {places.map((place) => (
                <option key={place.location_id} value={place.location_id}>
                  Mis mensajes y los de {place.name}
                </option>
              ))}
            </select>
          </label>
        )}
        {messages.error && <Notice kind="error">{messages.error}</Notice>}
        {messages.loading && !messages.items.length && <Loading label="Cargando mensajes…" />}
        {!messages.loading && !messages.error && !messages.items.length && <p class="muted">Aún no hay mensajes.</p>}
        <ul class="plain msgs" aria-label="Historial de mensajes">
          {messages.items.map((message) => (
            <MessageItem key={message.id} message={message} me={me} contacts={contacts} places={places} onReply={reply} />
          ))}
        </ul>
        {messages.more && (
          <Button variant="secondary" busy={messages.loading} busyLabel="Cargando…" onClick={messages.older}>
            Ver anteriores
          </Button>
        )}
      </div>
    </section>
  );
}

/**
 * The button (in the sticky top bar, so a cook scrolled down the tickets still sees the count), the panel it
 * opens, and the note of a message that just came in.
 */
export function MessagesCorner({ messages, live }: { messages: Messages; live: LiveChannel }) {
  const app = useApp();
  const slot = useContext(TopbarSlot);
  const session = useStore(app.sessions);
  const locations = useContext(LocationsContext);
  const button = useRef<HTMLButtonElement>(null);
  const [contacts, setContacts] = useState<Contact[] | null>(null);
  const [contactsError, setContactsError] = useState<string | null>(null);
  const { open, setOpen, arrived, dismissArrived } = messages;
  useEffect(() => {
    if (!open || contacts) return;
    app.api
      .get<{ items: Contact[] }>("mensajes/contactos")
      .then((answer) => {
        setContacts(answer.items);
        setContactsError(null);
      })
      .catch((caught) => setContactsError(errorText(caught)));
  }, [open]);
  useEffect(() => {
    if (!arrived) return;
    const timer = setTimeout(dismissArrived, TOAST_MS);
    return () => clearTimeout(timer);
  }, [arrived?.id]);
  if (!session) return null;
  const me: Me = { subject_id: session.subject_id, rol: session.rol, location_id: session.location_id };
  const places: Place[] = (locations?.data ?? []).map((l) => ({ location_id: l.location_id, name: l.name }));
  const close = () => {
    setOpen(false);
    button.current?.focus();
  };
  const unread = messages.unread;
  const opener = (
    <button
      type="button"
      ref={button}
      class={`button button--secondary messages-button${unread ? " messages-button--unread" : ""}`}
      aria-expanded={open}
      aria-label={unread ? `Mensajes, ${unread} sin leer` : "Mensajes"}
      onClick={() => (open ? close() : setOpen(true))}
    >
      Mensajes
      {unread > 0 && (
        <span class="badge-count" aria-hidden="true">
          {unread}
        </span>
      )}
    </button>
  );
  return (
    <>
      {slot ? createPortal(opener, slot) : opener}
      {open && (
        <Drawer
          messages={messages}
          live={live}
          me={me}
          contacts={contacts ?? []}
          contactsError={contactsError}
          places={places}
          onClose={close}
        />
      )}
      {arrived && !open && (
        <div class="message-toast" role="status">
          <button type="button" class="message-toast__open" onClick={() => setOpen(true)}>
            <strong>
              {arrived.from.name} ({roleLabel(arrived.from.rol)}):
            </strong>{" "}
            {arrived.texto.length > 120 ? `${arrived.texto.slice(0, 120)}…` : arrived.texto}
          </button>
          <button type="button" class="icon-button" aria-label="Cerrar aviso" onClick={dismissArrived}>
            ×
          </button>
        </div>
      )}
    </>
  );
}
