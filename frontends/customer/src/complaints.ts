/**
 * The Libro de Reclamaciones as the customer app sees it: the sheet's choices, the form's
 * checks (in Spanish, per field), the amount typed in soles sent as céntimos, the dates of the sheet, Mis
 * reclamos updated live, and the Idempotency-Key of one submission. The entry and its time left to answer are
 * the shared module's (`shared/complaints`), as the staff's book reads them.
 */
import type { Bien, Complaint, DocumentoTipo, EstadoReclamo, Tipo } from "../../shared/complaints";
import { ApiError } from "../../shared/errors";
import { randomId } from "../../shared/store";

export const TIPOS: { value: Tipo; label: string; hint: string }[] = [
  { value: "reclamo", label: "Reclamo", hint: "No estás conforme con el producto o el servicio que recibiste." },
  { value: "queja", label: "Queja", hint: "No estás conforme con la atención que recibiste, sin reclamar por el producto." },
];

export const BIENES: { value: Bien; label: string }[] = [
  { value: "producto", label: "Producto" },
  { value: "servicio", label: "Servicio" },
];

export const DOCUMENTOS: { value: DocumentoTipo; label: string }[] = [
  { value: "DNI", label: "DNI" },
  { value: "CE", label: "Carné de extranjería" },
  { value: "PASAPORTE", label: "Pasaporte" },
  { value: "RUC", label: "RUC" },
];

export const ESTADO_LABELS: Record<EstadoReclamo, string> = { pendiente: "En revisión", respondido: "Respondido" };

/**
 * An amount typed in soles (`25`, `25.9`, `25,90`, `S/ 1,234.50`) as integer céntimos; `null` when the
 * field is empty; `undefined` when it is not an amount (negative, more than two decimals, letters).
 */
export function solesToCents(text: string): number | null | undefined {
  let value = text.trim().replace(/^S\/\.?\s*/i, "");
  if (!value) return null;
  if (/^\d{1,3}(,\d{3})+(\.\d{1,2})?$/.test(value)) value = value.replace(/,/g, ""); // 1,234.50
  else if (/^\d+,\d{1,2}$/.test(value)) value = value.replace(",", "."); // 25,90
  const parts = /^(\d+)(?:\.(\d{1,2}))?$/.exec(value);
  if (!parts) return undefined;
  const cents = Number(parts[1]) * 100 + Number((parts[2] ?? "").padEnd(2, "0"));
  return Number.isSafeInteger(cents) ? cents : undefined;
}

/** What the customer types into the form (all text, as the fields hold it). */
export interface ComplaintForm {
  tipo: Tipo | "";
  bien: Bien | "";
  descripcion_bien: string;
  monto: string;
  order_id: string;
  detalle: string;
  pedido_consumidor: string;
  nombre: string;
  documento_tipo: DocumentoTipo;
  documento_numero: string;
  domicilio: string;
  telefono: string;
  /** The parent or guardian's data, when the consumer is a minor (the section is opened). */
  menor: boolean;
  apoderado_nombre: string;
  apoderado_documento_tipo: DocumentoTipo;
  apoderado_documento_numero: string;
}

export type FormErrors = Partial<Record<keyof ComplaintForm, string>>;

export function emptyForm(): ComplaintForm {
  return {
    tipo: "",
    bien: "",
    descripcion_bien: "",
    monto: "",
    order_id: "",
    detalle: "",
    pedido_consumidor: "",
    nombre: "",
    documento_tipo: "DNI",
    documento_numero: "",
    domicilio: "",
    telefono: "",
    menor: false,
    apoderado_nombre: "",
    apoderado_documento_tipo: "DNI",
    apoderado_documento_numero: "",
  };
}

const MAX_MONTO_CENTS = 100_000_000;
const NAME_MAX = 80;

const DOCUMENTO_RULES: Record<DocumentoTipo, { pattern: RegExp; message: string }> = {
  DNI: { pattern: /^\d{8}$/, message: "El DNI tiene 8 dígitos." },
  RUC: { pattern: /^(10|15|17|20)\d{9}$/, message: "El RUC tiene 11 dígitos y empieza con 10, 15, 17 o 20." },
  CE: { pattern: /^[A-Z0-9]{4,20}$/, message: "Escribe el número del carné: de 4 a 20 letras o números." },
  PASAPORTE: { pattern: /^[A-Z0-9]{4,20}$/, message: "Escribe el número del pasaporte: de 4 a 20 letras o números." },
};

/** The document number as sent: without spaces or dashes, letters in capitals. */
export function cleanDocumento(numero: string): string {
  return numero.replace(/[\s.-]/g, "").toUpperCase();
}

function documentoProblem(tipo: DocumentoTipo, numero: string): string | undefined {
  const clean = cleanDocumento(numero);
  if (!clean) return "Escribe el número de documento.";
  return DOCUMENTO_RULES[tipo].pattern.test(clean) ? undefined : DOCUMENTO_RULES[tipo].message;
}

function length(text: string, min: number, max: number, missing: string, short: string): string | undefined {
  const value = text.trim();
  if (!value) return missing;
  if (value.length < min) return short;
  if (value.length > max) return `Usa como máximo ${max} caracteres.`;
  return undefined;
}

/** A person's name as the API takes it: letters, words joined by spaces, apostrophes or hyphens. */
function personName(text: string, missing: string): string | undefined {
  const value = text.trim();
  if (!value) return missing;
  if (value.length > NAME_MAX) return `Usa como máximo ${NAME_MAX} caracteres.`;
  return /^\p{L}+(?:(?:\s+|['-])\p{L}+)*$/u.test(value) ? undefined : "Usa solo letras, espacios, apóstrofos y guiones.";
}

/** Every field's problem, in Spanish, before anything is sent: an empty result means the form can be sent. */
export function validate(form: ComplaintForm): FormErrors {
  const errors: FormErrors = {};
  if (!form.tipo) errors.tipo = "Elige si es un reclamo o una queja.";
  if (!form.bien) errors.bien = "Elige si es sobre un producto o un servicio.";
  errors.descripcion_bien = length(form.descripcion_bien, 1, 200, "Describe el producto o servicio.", "");
  const monto = solesToCents(form.monto);
  if (monto === undefined) errors.monto = "Escribe un monto en soles, por ejemplo 25.90.";
  else if (monto !== null && monto > MAX_MONTO_CENTS) errors.monto = "El monto no puede pasar de S/ 1,000,000.00.";
  errors.detalle = length(form.detalle, 10, 2000, "Cuéntanos qué pasó.", "Cuéntanos un poco más (al menos 10 caracteres).");
  errors.pedido_consumidor = length(form.pedido_consumidor, 5, 1000, "Dinos qué solución pides.", "Escribe al menos 5 caracteres.");
  errors.nombre = personName(form.nombre, "Escribe tu nombre y apellido.");
  errors.documento_numero = documentoProblem(form.documento_tipo, form.documento_numero);
  errors.domicilio = length(form.domicilio, 5, 200, "Escribe tu domicilio.", "Escribe tu domicilio completo.");
  const phone = form.telefono.trim();
  if (phone && !/^\+?[0-9 -]{6,20}$/.test(phone)) errors.telefono = "Escribe un teléfono: solo números (de 6 a 20), con + si es del extranjero.";
  if (form.menor) {
    errors.apoderado_nombre = personName(form.apoderado_nombre, "Escribe el nombre del padre, madre o apoderado.");
    errors.apoderado_documento_numero = documentoProblem(form.apoderado_documento_tipo, form.apoderado_documento_numero);
  }
  for (const key of Object.keys(errors) as (keyof ComplaintForm)[]) if (!errors[key]) delete errors[key];
  return errors;
}

/** The body of `POST /reclamaciones` (the e-mail is the account's: the API takes it from there, not from here). */
export function complaintBody(form: ComplaintForm, order: { order_id: string; location_id: string } | null) {
  return {
    tipo: form.tipo,
    bien: form.bien,
    descripcion_bien: form.descripcion_bien.trim(),
    monto_cents: solesToCents(form.monto) ?? null,
    order_id: order?.order_id ?? null,
    location_id: order?.location_id ?? null,
    detalle: form.detalle.trim(),
    pedido_consumidor: form.pedido_consumidor.trim(),
    consumidor: {
      nombre: form.nombre.trim(),
      documento_tipo: form.documento_tipo,
      documento_numero: cleanDocumento(form.documento_numero),
      domicilio: form.domicilio.trim(),
      telefono: form.telefono.trim() || null,
    },
    apoderado: form.menor
      ? {
          nombre: form.apoderado_nombre.trim(),
          documento_tipo: form.apoderado_documento_tipo,
          documento_numero: cleanDocumento(form.apoderado_documento_numero),
        }
      : null,
  };
}

/**
 * One Idempotency-Key per submission: sending the same entry again (a double tap, a retry after the
 * network dropped) reuses the key, so the API files it once; a changed entry is a new submission.
 */
export class SubmissionKey {
  private body: string | null = null;
  private key = "";

  constructor(private readonly newKey: () => string = randomId) {}

  for(body: unknown): string {
    const text = JSON.stringify(body);
    if (text !== this.body) {
      this.body = text;
      this.key = this.newKey();
    }
    return this.key;
  }

  /** After an entry is filed: the next one is another submission, even if identical. */
  reset(): void {
    this.body = null;
  }
}

const fullDay = new Intl.DateTimeFormat("es-PE", { timeZone: "America/Lima", day: "numeric", month: "long", year: "numeric" });

/** `18 de diciembre de 2026`: the Lima day of an instant, as a dated document says it. */
export function fullDate(iso: string): string {
  return fullDay.format(new Date(iso));
}

const numericDay = new Intl.DateTimeFormat("es-PE", { timeZone: "America/Lima", day: "2-digit", month: "2-digit", year: "numeric" });

/** `28/11/2026`: the Lima day of an instant, short (an order in the sheet's list). */
export function shortDate(iso: string): string {
  return numericDay.format(new Date(iso));
}

/** "Mis reclamos" with one entry read again: in its place, or first if it is new (the list is most recent first). */
export function upsert(list: Complaint[], entry: Complaint): Complaint[] {
  return list.some((c) => c.numero === entry.numero) ? list.map((c) => (c.numero === entry.numero ? entry : c)) : [entry, ...list];
}

const BY_CODE: Record<string, string> = {
  idempotency_in_progress: "Tu reclamo se está registrando. Espera un momento.",
  idempotency_key_reused: "Tu reclamo cambió mientras se enviaba. Vuelve a enviarlo.",
  order_not_found: "No encontramos ese pedido entre los tuyos. Elige otro o ninguno.",
  not_found: "No encontramos ese pedido entre los tuyos. Elige otro o ninguno.",
  location_not_found: "El local de ese pedido ya no existe. Elige otro pedido o ninguno.",
  unknown_location: "El local de ese pedido ya no existe. Elige otro pedido o ninguno.",
  forbidden: "Solo los clientes con cuenta pueden presentar un reclamo.",
  numbering_busy: "El libro está registrando otro reclamo. Vuelve a enviarlo en un momento.",
  complaint_not_found: "No encontramos ese reclamo.",
};

/** The API's refusal of a complaint, said for this form (the shared message otherwise). */
export function complaintErrorMessage(error: ApiError): string {
  return BY_CODE[error.code] ?? error.message;
}
