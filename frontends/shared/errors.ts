/** Every error the API can answer, said once in Spanish. The server's `error` code decides; the status is the fallback. */
const BY_CODE: Record<string, string> = {
  validation_failed: "Revisa los datos marcados.",
  bad_request: "No pudimos procesar la solicitud. Revisa los datos e inténtalo de nuevo.",
  unauthenticated: "Tu sesión terminó. Ingresa de nuevo para continuar.",
  forbidden: "Tu cuenta no tiene permiso para hacer esto.",
  not_found: "No encontramos lo que buscabas.",
  conflict: "Algo cambió mientras tanto. Actualiza e inténtalo de nuevo.",
  too_many_requests: "Demasiados intentos seguidos. Espera un momento y vuelve a intentarlo.",
  dependency_failed: "Un servicio externo no respondió. Inténtalo de nuevo en unos segundos.",
  internal_error: "Tuvimos un problema de nuestro lado. Inténtalo de nuevo en unos segundos.",
  payload_too_large: "Lo que enviaste es demasiado grande.",
  unsupported_media_type: "No pudimos leer lo que enviaste. Actualiza la página e inténtalo de nuevo.",
  unknown_tenant: "No encontramos este restaurante.",
  invalid_credentials: "El correo o la contraseña no son correctos.",
  login_throttled: "Demasiados intentos de ingreso. Espera unos minutos y vuelve a intentarlo.",
  email_taken: "Ya existe una cuenta con este correo. Ingresa con ella.",
  email_not_verified: "Aún no confirmas tu correo. Abre el enlace que te enviamos para activar tu cuenta.",
  mail_throttled: "Ya te enviamos varios correos. Revisa tu bandeja (y la de spam) o inténtalo en una hora.",
  link_invalid: "El enlace no es válido, ya venció o ya fue usado. Pide uno nuevo.",
  wrong_password: "La contraseña actual no es correcta.",
  same_password: "La nueva contraseña debe ser distinta de la actual.",
  weak_password: "La contraseña es muy débil: usa al menos 10 caracteres, no solo números.",
  customer_inactive: "Esta cuenta fue eliminada.",
  invitation_invalid: "El enlace de invitación no es válido o ya venció. Pide a tu administrador que te lo reenvíe.",
  already_active: "Esta cuenta ya está activa. Ingresa con tu contraseña.",
  unknown_item: "Un producto del carrito ya no está en la carta. Quítalo para continuar.",
  item_unavailable: "Un producto del carrito no está disponible en este local ahora.",
  unknown_size: "Un tamaño elegido ya no existe. Vuelve a elegirlo.",
  out_of_stock: "Un combo del carrito se agotó.",
  location_paused: "Este local pausó los pedidos en línea. Elige otro local.",
  location_closed: "Este local está cerrado ahora. Pide en su horario o elige otro local.",
  location_not_found: "Este local no existe.",
  unknown_location: "Este local no existe.",
  dispatch_not_offered: "Este local no ofrece ese tipo de entrega.",
  idempotency_in_progress: "Tu pedido se está registrando. Espera un momento.",
  idempotency_key_reused: "El carrito cambió mientras se enviaba. Vuelve a confirmar el pedido.",
  order_not_found: "No encontramos este pedido.",
  order_not_payable: "Este pedido ya no se puede pagar.",
  order_expired: "Se acabó el tiempo para pagar este pedido. Haz un pedido nuevo.",
  prices_changed: "Los precios cambiaron desde que hiciste el pedido. Actualizamos el total: revísalo y vuelve a pagar.",
  checkout_unavailable: "Mercado Pago no respondió. Inténtalo de nuevo.",
  payment_failed: "Mercado Pago rechazó el pago. Revisa los datos de la tarjeta.",
  payment_in_flight: "Tu pago se está procesando.",
  claimed_by_other: "Otra persona ya tomó este pedido.",
  already_completed: "Este pedido ya fue completado.",
  not_in_stage: "Este pedido ya no está en tu etapa.",
  other_location: "Este pedido es de otro local.",
  order_cancelled: "Este pedido fue cancelado.",
  order_paid: "Este pedido ya está pagado: para cancelarlo, comunícate con el local.",
  card_attempts_exceeded: "Hubo demasiados intentos de pago rechazados. Espera una hora o paga con Mercado Pago.",
  payment_pending: "Tu pago aún se está procesando. Espera su resultado antes de cancelar.",
  order_delivered: "Este pedido ya fue entregado.",
  order_in_transition: "El pedido está cambiando de etapa. Inténtalo en unos segundos.",
  changed_meanwhile: "El pedido cambió mientras tanto. Actualiza la lista.",
  location_required: "Tu cuenta no tiene un local asignado.",
  self_change: "No puedes cambiar tu propia cuenta desde aquí.",
  employee_state: "El estado de esta cuenta no permite este cambio.",
  invalid_cursor: "La lista cambió. Vuelve a cargarla.",
  unknown_products: "El combo incluye productos que no existen.",
};

const BY_STATUS: Record<number, string> = {
  400: BY_CODE.bad_request,
  401: BY_CODE.unauthenticated,
  403: BY_CODE.forbidden,
  404: BY_CODE.not_found,
  409: BY_CODE.conflict,
  413: BY_CODE.payload_too_large,
  415: BY_CODE.bad_request,
  422: BY_CODE.validation_failed,
  429: BY_CODE.too_many_requests,
};

export const NETWORK_MESSAGE = "No hay conexión con el servidor. Revisa tu internet e inténtalo de nuevo.";

export interface FieldProblem {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldProblem[] = [],
  ) {
    super(message);
  }

  /** The first problem of one form field (``email``, ``password``...), for the message under it. */
  fieldMessage(field: string): string | undefined {
    return this.fields.find((problem) => problem.field === field)?.message;
  }
}

export function messageFor(status: number, code: string | undefined): string {
  if (code && BY_CODE[code]) return BY_CODE[code];
  if (BY_STATUS[status]) return BY_STATUS[status];
  return status >= 500 ? BY_CODE.internal_error : BY_CODE.bad_request;
}

/** Pydantic's messages for a body field, in Spanish (what a person can fix). */
function fieldProblem(detail: { loc?: unknown[]; msg?: string; type?: string }): FieldProblem | null {
  const loc = (detail.loc ?? []).filter((part) => typeof part === "string" && part !== "body");
  const field = String(loc[loc.length - 1] ?? "");
  if (!field) return null;
  const msg = detail.msg ?? "";
  const type = detail.type ?? "";
  let message = "Revisa este dato.";
  if (field === "phone") message = "Escribe un celular peruano: 9 dígitos que empiezan con 9.";
  else if (field === "email") message = "Escribe un correo válido.";
  else if (field === "password" && /digits only/i.test(msg)) message = "La contraseña no puede tener solo números.";
  else if (field === "password" && /must not be the email/i.test(msg)) message = "La contraseña no puede ser tu correo.";
  else if (field === "password" && type === "string_too_short") message = "Usa al menos 10 caracteres.";
  else if (/letters, spaces/i.test(msg)) message = "Usa solo letras, espacios, apóstrofos y guiones.";
  else if (/address/i.test(msg)) message = "Escribe la dirección de entrega.";
  else if (type === "string_too_short") message = "Es muy corto.";
  else if (type === "string_too_long") message = "Es muy largo.";
  else if (type === "missing") message = "Este dato es obligatorio.";
  return { field, message };
}

export function apiErrorFrom(status: number, body: unknown): ApiError {
  const data = (body && typeof body === "object" ? body : {}) as { error?: string; details?: unknown };
  const code = typeof data.error === "string" ? data.error : "";
  const details = Array.isArray(data.details) ? data.details : [];
  const fields = details.map(fieldProblem).filter((p): p is FieldProblem => p !== null);
  return new ApiError(status, code, messageFor(status, code), fields);
}
