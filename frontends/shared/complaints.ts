/**
 * The Libro de Reclamaciones as both apps read it: the entry every `/reclamaciones` route returns (contract §1)
 * and the time left to answer it, counted as the API counts the tenant's term (business days, Monday to Friday,
 * in Lima) and said in words with an urgency for its colour. The customer's "Mis reclamos" and the admins' book
 * say the same words for the same entry.
 */
import { limaDay } from "./dates";

export type Tipo = "reclamo" | "queja";
export type Bien = "producto" | "servicio";
export type DocumentoTipo = "DNI" | "CE" | "PASAPORTE" | "RUC";
export type EstadoReclamo = "pendiente" | "respondido";

export interface Persona {
  nombre: string;
  documento_tipo: DocumentoTipo;
  documento_numero: string;
}

export interface Consumidor extends Persona {
  domicilio: string;
  telefono: string | null;
  email: string;
}

/** One entry of the book, as every route of `/reclamaciones` returns it. */
export interface Complaint {
  numero: number;
  codigo: string;
  tipo: Tipo;
  bien: Bien;
  descripcion_bien: string;
  monto_cents: number | null;
  order_id: string | null;
  location_id: string | null;
  detalle: string;
  pedido_consumidor: string;
  consumidor: Consumidor;
  apoderado: Persona | null;
  customer_id: string;
  estado: EstadoReclamo;
  filed_at: string;
  due_at: string;
  respuesta: string | null;
  answered_at: string | null;
  answered_by: string | null;
}

export const TIPO_LABELS: Record<Tipo, string> = { reclamo: "Reclamo", queja: "Queja" };

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
/** Amber from this many business days left (or the last 24 hours). */
export const SOON_BUSINESS_DAYS = 3;

/** Whole Lima calendar days from `now` to `due` (0: the same Lima day; negative: past). */
export function limaDaysBetween(now: Date, due: Date): number {
  const midnight = (day: string) => Date.parse(`${day}T00:00:00Z`);
  return Math.round((midnight(limaDay(due)) - midnight(limaDay(now))) / DAY);
}

/** Business days (Monday to Friday, as the API counts the tenant's term) after Lima's today up to the due day, that day included. */
export function businessDaysBetween(now: Date, due: Date): number {
  const noon = Date.parse(`${limaDay(now)}T12:00:00Z`);
  let count = 0;
  for (let i = 1; i <= limaDaysBetween(now, due); i += 1) {
    const weekday = new Date(noon + i * DAY).getUTCDay();
    if (weekday !== 0 && weekday !== 6) count += 1;
  }
  return count;
}

export type Urgency = "ok" | "soon" | "late" | "done";

export interface TimeLeft {
  urgency: Urgency;
  words: string;
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * How long is left to answer an entry: "Quedan 12 días hábiles", "Queda 1 día hábil", on the last day "Vence en 5
 * horas", once past "Plazo vencido hace 2 días"; amber from 3 business days left, red once past.
 */
export function timeLeft(complaint: Pick<Complaint, "estado" | "due_at">, now: Date | number = Date.now()): TimeLeft {
  if (complaint.estado === "respondido") return { urgency: "done", words: "Respondido" };
  const at = typeof now === "number" ? now : now.getTime();
  const left = Date.parse(complaint.due_at) - at;
  if (left <= 0) {
    const late = -left;
    if (late < HOUR) return { urgency: "late", words: "Plazo vencido hace menos de una hora" };
    if (late < DAY) return { urgency: "late", words: `Plazo vencido hace ${count(Math.floor(late / HOUR), "hora", "horas")}` };
    return { urgency: "late", words: `Plazo vencido hace ${count(Math.floor(late / DAY), "día", "días")}` };
  }
  const business = businessDaysBetween(new Date(at), new Date(complaint.due_at));
  if (left < HOUR) return { urgency: "soon", words: "Vence en menos de una hora" };
  if (left < DAY || business === 0) return { urgency: "soon", words: `Vence en ${count(Math.floor(left / HOUR), "hora", "horas")}` };
  const words = business === 1 ? "Queda 1 día hábil" : `Quedan ${business} días hábiles`;
  return { urgency: business <= SOON_BUSINESS_DAYS ? "soon" : "ok", words };
}
