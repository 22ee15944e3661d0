/**
 * The staff messages' rules, as plain functions: who a person may write to (the composer's options),
 * the frame sent over the live socket, how a message's recipient is said, which messages are unread,
 * and what an error frame means in Spanish. The screens (Messages.tsx) only draw them.
 */
import { messageFor } from "../../../shared/errors";
import { BOARDS, ROLE_LABELS, type Rol } from "../roles";

/** One message, as the API and the pushes give it (contract §2: MESSAGE). */
export interface StaffMessage {
  id: string;
  at: string;
  texto: string;
  from: { employee_id: string; name: string; rol: string; location_id: string | null };
  to: { kind: "rol" | "empleado" | "local" | "todos"; rol?: string; location_id?: string; employee_id?: string };
}

/** A person one may write to (GET /mensajes/contactos). */
export interface Contact {
  employee_id: string;
  name: string;
  rol: string;
  location_id: string | null;
}

/** The `to` of a sent frame: a role (admins add its location), one person, a whole location, everyone. */
export type FrameTo = { rol: string; location_id?: string } | { empleado: string } | { local: string } | { todos: true };

export interface Me {
  subject_id: string;
  rol: string;
  location_id?: string | null;
}

export interface RecipientOption {
  key: string;
  label: string;
  group: string;
  to: FrameTo;
}

export interface Place {
  location_id: string;
  name: string;
}

export const MAX_TEXT = 500;
export const MAX_FRAME_BYTES = 4096;
/** Older messages are history, never "unread" (a shift): a new tablet does not greet the cook with yesterday's. */
export const UNREAD_WINDOW_MS = 12 * 60 * 60 * 1000;

const STAGE_ROLES = BOARDS.map((board) => board.rol);
/** Whom each board writes to first: the stage its work goes to (the packer asks the kitchen). */
const FIRST_CHOICE: Record<string, string> = { cocinero: "empaquetador", empaquetador: "cocinero", repartidor: "empaquetador" };

export function roleLabel(rol: string): string {
  return ROLE_LABELS[rol as Rol] ?? rol;
}

function byName(a: Contact, b: Contact): number {
  return a.name.localeCompare(b.name, "es");
}

/**
 * What the composer offers. Staff: a role of their own location, or a person (their location's staff and
 * the admins, as the directory lists them). Admins: each location's roles and the whole location, the
 * whole tenant, or a person. Never oneself.
 */
export function recipientOptions(me: Me, contacts: Contact[], places: Place[]): RecipientOption[] {
  const options: RecipientOption[] = [];
  const placeName = (id: string | null | undefined) => places.find((p) => p.location_id === id)?.name ?? id ?? "";
  if (me.rol === "admin") {
    options.push({ key: "todos", label: "Todo el personal", group: "Todos los locales", to: { todos: true } });
    options.push({ key: "rol:admin", label: "Administración", group: "Todos los locales", to: { rol: "admin" } });
    for (const place of places) {
      const group = place.name;
      options.push({ key: `local:${place.location_id}`, label: `Todo ${place.name}`, group, to: { local: place.location_id } });
      for (const rol of STAGE_ROLES) {
        options.push({
          key: `rol:${rol}@${place.location_id}`,
          label: `${roleLabel(rol)} · ${place.name}`,
          group,
          to: { rol, location_id: place.location_id },
        });
      }
    }
  } else {
    for (const rol of STAGE_ROLES) {
      options.push({ key: `rol:${rol}`, label: roleLabel(rol), group: "Un área de mi local", to: { rol } });
    }
    // The admins are the whole tenant's (no location in the frame).
    options.push({ key: "rol:admin", label: roleLabel("admin"), group: "Un área de mi local", to: { rol: "admin" } });
  }
  const people = contacts.filter((c) => c.employee_id !== me.subject_id).sort(byName);
  for (const person of people) {
    const where = me.rol === "admin" && person.rol !== "admin" && person.location_id ? ` · ${placeName(person.location_id)}` : "";
    options.push({
      key: `empleado:${person.employee_id}`,
      label: `${person.name} (${roleLabel(person.rol)}${where})`,
      group: "Una persona",
      to: { empleado: person.employee_id },
    });
  }
  return options;
}

/** The option the composer starts on: the next stage's role for a board; the admin's own location. */
export function defaultRecipient(me: Me, options: RecipientOption[]): string {
  const wanted = me.rol === "admin" ? `local:${me.location_id ?? ""}` : `rol:${FIRST_CHOICE[me.rol] ?? ""}`;
  return (options.find((o) => o.key === wanted) ?? options[0])?.key ?? "";
}

/** "Responder": the sender as the recipient (a person). */
export function replyKey(message: StaffMessage): string {
  return `empleado:${message.from.employee_id}`;
}

/** Why a text cannot be sent (null: it can): 1..500 characters once trimmed, and the frame within 4 KB. */
export function textProblem(texto: string, frameBytes = 0): string | null {
  const clean = texto.trim();
  if (!clean) return "Escribe el mensaje.";
  if ([...clean].length > MAX_TEXT) return `El mensaje puede tener hasta ${MAX_TEXT} caracteres.`;
  if (frameBytes > MAX_FRAME_BYTES) return "El mensaje es demasiado largo.";
  return null;
}

export function messageFrame(clientId: string, texto: string, to: FrameTo) {
  return { action: "mensaje", client_id: clientId, texto: texto.trim(), to };
}

export function frameBytes(frame: object): number {
  return new TextEncoder().encode(JSON.stringify(frame)).length;
}

/** Messages by id, most recent first: history pages, pushes and one's own sends merge without doubles. */
export function mergeMessages(current: StaffMessage[], incoming: StaffMessage[]): StaffMessage[] {
  const byId = new Map(current.map((m) => [m.id, m]));
  for (const message of incoming) byId.set(message.id, message);
  return [...byId.values()].sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || b.id.localeCompare(a.id));
}

/** Messages from someone else, newer than the last time the panel was open (and than a shift ago). */
export function unreadCount(messages: StaffMessage[], me: string, lastReadAt: string | null, now: number = Date.now()): number {
  const since = Math.max(lastReadAt ? Date.parse(lastReadAt) : 0, now - UNREAD_WINDOW_MS);
  return messages.filter((m) => m.from.employee_id !== me && Date.parse(m.at) > since).length;
}

/** The latest instant among the messages (what "read up to" becomes when the panel shows them). */
export function latestAt(messages: StaffMessage[], previous: string | null): string | null {
  let latest = previous;
  for (const m of messages) if (!latest || Date.parse(m.at) > Date.parse(latest)) latest = m.at;
  return latest;
}

/** "Para Empaquetado", "Para ti", "Para todo Bembos Larco"... */
export function recipientText(message: StaffMessage, me: Me, contacts: Contact[], places: Place[]): string {
  const to = message.to;
  const placeName = (id: string | undefined) => places.find((p) => p.location_id === id)?.name ?? id ?? "";
  switch (to.kind) {
    case "todos":
      return "Para todo el personal";
    case "local":
      return `Para todo ${placeName(to.location_id)}`;
    case "empleado":
      if (to.employee_id === me.subject_id) return "Para ti";
      return `Para ${contacts.find((c) => c.employee_id === to.employee_id)?.name ?? "una persona"}`;
    default: {
      const where = to.location_id && (me.rol === "admin" || to.location_id !== me.location_id) ? ` · ${placeName(to.location_id)}` : "";
      return `Para ${roleLabel(to.rol ?? "")}${where}`;
    }
  }
}

/** What a frame off the socket means for the messages (null: it is not theirs, e.g. an order's status). */
export type FrameMeaning =
  | { kind: "message"; message: StaffMessage; fromOther: boolean }
  | { kind: "sent"; clientId: string; message: StaffMessage | null }
  | { kind: "refused"; clientId: string | null; problem: string }
  | null;

export function readFrame(frame: { type?: unknown; [key: string]: unknown }, me: string): FrameMeaning {
  if (frame.type === "StaffMessage" && frame.message && typeof frame.message === "object") {
    const message = frame.message as StaffMessage;
    return { kind: "message", message, fromOther: message.from?.employee_id !== me };
  }
  if (frame.type === "MessageSent" && typeof frame.client_id === "string") {
    return { kind: "sent", clientId: frame.client_id, message: (frame.message as StaffMessage | undefined) ?? null };
  }
  if (frame.type === "error") {
    const clientId = typeof frame.client_id === "string" ? frame.client_id : null;
    return { kind: "refused", clientId, problem: frameErrorText(typeof frame.code === "string" ? frame.code : undefined) };
  }
  return null;
}

const FRAME_ERRORS: Record<string, string> = {
  invalid_frame: "El mensaje no es válido: escribe entre 1 y 500 caracteres y elige a quién va.",
  session_ended: "Tu sesión terminó. Ingresa de nuevo para seguir enviando mensajes.",
  unauthenticated: "Tu sesión terminó. Ingresa de nuevo para seguir enviando mensajes.",
  conflict: "No pudimos confirmar el envío. Vuelve a enviarlo.",
  rate_limited: "Enviaste muchos mensajes seguidos. Espera unos segundos y vuelve a intentarlo.",
  frame_too_large: "El mensaje es demasiado largo.",
  forbidden: "No puedes escribir a ese destinatario.",
  unknown_recipient: "Ese destinatario ya no existe. Elige otro.",
};

/** An error frame's code, said in Spanish (the server's English `message` is for the logs). */
export function frameErrorText(code: string | undefined): string {
  return (code && FRAME_ERRORS[code]) || messageFor(400, code);
}
