/**
 * The Libro de Reclamaciones as the admins read it: the entry (contract §1), the time left to answer said in
 * words and by colour, the pending entries most urgent first, and the CSV's file name.
 */
import { ApiError } from "../../../shared/errors";

export type ComplaintState = "pendiente" | "respondido";

export interface Person {
  nombre: string;
  documento_tipo: "DNI" | "CE" | "PASAPORTE" | "RUC";
  documento_numero: string;
}

export interface Complaint {
  numero: number;
  codigo: string;
  tipo: "reclamo" | "queja";
  bien: "producto" | "servicio";
  descripcion_bien: string;
  monto_cents: number | null;
  order_id: string | null;
  location_id: string | null;
  detalle: string;
  pedido_consumidor: string;
  consumidor: Person & { domicilio: string; telefono: string | null; email: string };
  apoderado: Person | null;
  customer_id: string;
  estado: ComplaintState;
  filed_at: string;
  due_at: string;
  respuesta: string | null;
  answered_at: string | null;
  answered_by: string | null;
}

export const TIPO_LABELS: Record<Complaint["tipo"], string> = { reclamo: "Reclamo", queja: "Queja" };
export const TIPO_HINTS: Record<Complaint["tipo"], string> = {
  reclamo: "disconformidad con el producto o servicio",
  queja: "malestar por la atención",
};
export const BIEN_LABELS: Record<Complaint["bien"], string> = { producto: "Producto", servicio: "Servicio" };
export const ESTADO_LABELS: Record<ComplaintState, string> = { pendiente: "Pendiente", respondido: "Respondido" };

export const ANSWER_MIN = 10;
export const ANSWER_MAX = 4000;
/** Amber from this many days before the due date. */
export const SOON_DAYS = 3;

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

export type Urgency = "ok" | "soon" | "late" | "done";

export interface TimeLeft {
  urgency: Urgency;
  words: string;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "Quedan 9 días", "Vence en 5 horas", "Vencido hace 2 días": how long the admins have to answer. */
export function timeLeft(complaint: Pick<Complaint, "estado" | "due_at">, now: number = Date.now()): TimeLeft {
  if (complaint.estado === "respondido") return { urgency: "done", words: "Respondido" };
  const left = Date.parse(complaint.due_at) - now;
  if (left <= 0) {
    const late = -left;
    if (late < HOUR) return { urgency: "late", words: "Vencido hace menos de una hora" };
    if (late < DAY) return { urgency: "late", words: `Vencido hace ${plural(Math.floor(late / HOUR), "hora", "horas")}` };
    return { urgency: "late", words: `Vencido hace ${plural(Math.floor(late / DAY), "día", "días")}` };
  }
  if (left < HOUR) return { urgency: "soon", words: "Vence en menos de una hora" };
  if (left < DAY) return { urgency: "soon", words: `Vence en ${plural(Math.floor(left / HOUR), "hora", "horas")}` };
  const days = Math.floor(left / DAY);
  return { urgency: days <= SOON_DAYS ? "soon" : "ok", words: days === 1 ? "Queda 1 día" : `Quedan ${days} días` };
}

export const URGENCY_PILL: Record<Urgency, string> = { ok: "pill--green", soon: "pill--amber", late: "pill--red", done: "" };

/** Pending entries, the ones to answer first on top: overdue, then by due date (then by number). */
export function mostUrgentFirst(complaints: Complaint[]): Complaint[] {
  return [...complaints].sort((a, b) => Date.parse(a.due_at) - Date.parse(b.due_at) || a.numero - b.numero);
}

export function overdueCount(complaints: Complaint[], now: number = Date.now()): number {
  return complaints.filter((c) => c.estado === "pendiente" && Date.parse(c.due_at) <= now).length;
}

/** The file name the API gives the CSV (Content-Disposition), or a sensible one. */
export function csvFileName(disposition: string | null, tenantId: string): string {
  const named = disposition?.match(/filename\*?=(?:UTF-8'')?"?([^";]+)"?/i);
  return named ? decodeURIComponent(named[1]) : `libro-reclamaciones-${tenantId}.csv`;
}

/** Why an answer cannot be sent yet (null: it can). */
export function answerProblem(text: string): string | null {
  const length = [...text.trim()].length;
  if (length < ANSWER_MIN) return `Escribe la respuesta: al menos ${ANSWER_MIN} caracteres.`;
  if (length > ANSWER_MAX) return `La respuesta puede tener hasta ${ANSWER_MAX} caracteres.`;
  return null;
}

/** The API's refusal of an answer, said for this screen. */
export function answerErrorText(error: ApiError): string {
  if (error.code === "already_answered") return "Esta reclamación ya fue respondida. Mostramos la respuesta registrada.";
  if (error.status === 404) return "No encontramos esta reclamación.";
  const field = error.fieldMessage("respuesta");
  if (field) return `Respuesta: ${field}`;
  return error.message;
}
