/**
 * The Libro de Reclamaciones as the admins read it: the labels, the colour of the time left to answer (its words
 * and urgency are the shared module's, as the customer's app says them), the pending entries most urgent first,
 * the answer's checks and the CSV's file name.
 */
import type { Complaint, EstadoReclamo, Urgency } from "../../../shared/complaints";
import { ApiError } from "../../../shared/errors";

export const TIPO_HINTS: Record<Complaint["tipo"], string> = {
  reclamo: "disconformidad con el producto o servicio",
  queja: "malestar por la atención",
};
export const BIEN_LABELS: Record<Complaint["bien"], string> = { producto: "Producto", servicio: "Servicio" };
export const ESTADO_LABELS: Record<EstadoReclamo, string> = { pendiente: "Pendiente", respondido: "Respondido" };

export const ANSWER_MIN = 10;
export const ANSWER_MAX = 4000;
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
