import { describe, expect, test } from "vitest";
import { ApiError } from "../../shared/errors";
import {
  SubmissionKey,
  complaintBody,
  complaintErrorMessage,
  emptyForm,
  fullDate,
  shortDate,
  solesToCents,
  upsert,
  validate,
  type ComplaintForm,
} from "./complaints";
import type { Complaint } from "../../shared/complaints";

function filled(changes: Partial<ComplaintForm> = {}): ComplaintForm {
  return {
    ...emptyForm(),
    tipo: "reclamo",
    bien: "producto",
    descripcion_bien: "Combo Royal",
    monto: "26.90",
    detalle: "La hamburguesa llegó fría y sin papas.",
    pedido_consumidor: "Que me devuelvan el dinero.",
    nombre: "Rosa Quispe",
    documento_numero: "12345678",
    domicilio: "Av. Pardo 610, Miraflores",
    telefono: "+51987654321",
    ...changes,
  };
}

describe("the amount typed in soles", () => {
  test("is sent as integer céntimos, however the customer writes it", () => {
    expect(solesToCents("25")).toBe(2500);
    expect(solesToCents("25.9")).toBe(2590);
    expect(solesToCents("25,90")).toBe(2590);
    expect(solesToCents(" S/ 1,234.50 ")).toBe(123450);
    expect(solesToCents("0.05")).toBe(5);
    expect(solesToCents("19.99")).toBe(1999); // no float drift: 19.99 * 100 is 1998.9999…
  });

  test("empty is no amount; anything else that is not an amount is refused", () => {
    expect(solesToCents("  ")).toBeNull();
    for (const bad of ["-5", "1.999", "diez", "1e3", "12.", "1,23,4"]) expect(solesToCents(bad), bad).toBeUndefined();
  });
});

describe("the form's checks", () => {
  test("a complete form has no problem, and its body carries céntimos, the order and no e-mail", () => {
    const form = filled({ documento_numero: "1234 5678" });
    expect(validate(form)).toEqual({});
    const body = complaintBody(form, { order_id: "o-1", location_id: "larco" });
    expect(body.monto_cents).toBe(2690);
    expect([body.order_id, body.location_id]).toEqual(["o-1", "larco"]);
    expect(body.consumidor).toEqual({
      nombre: "Rosa Quispe",
      documento_tipo: "DNI",
      documento_numero: "12345678",
      domicilio: "Av. Pardo 610, Miraflores",
      telefono: "+51987654321",
    });
    expect(body.apoderado).toBeNull();
    expect(complaintBody(filled({ monto: "", telefono: " " }), null)).toMatchObject({ monto_cents: null, order_id: null, location_id: null, consumidor: { telefono: null } });
  });

  test("each missing or wrong field gets its own Spanish message", () => {
    const errors = validate({ ...emptyForm(), monto: "abc", telefono: "123", detalle: "corto" });
    expect(errors).toMatchObject({
      tipo: "Elige si es un reclamo o una queja.",
      bien: "Elige si es sobre un producto o un servicio.",
      descripcion_bien: "Describe el producto o servicio.",
      monto: "Escribe un monto en soles, por ejemplo 25.90.",
      detalle: "Cuéntanos un poco más (al menos 10 caracteres).",
      pedido_consumidor: "Dinos qué solución pides.",
      nombre: "Escribe tu nombre y apellido.",
      documento_numero: "Escribe el número de documento.",
      domicilio: "Escribe tu domicilio.",
      telefono: "Escribe un teléfono: solo números (de 6 a 20), con + si es del extranjero.",
    });
    expect(validate(filled({ detalle: "x".repeat(2001) })).detalle).toBe("Usa como máximo 2000 caracteres.");
    expect(validate(filled({ domicilio: "Lima" })).domicilio).toBe("Escribe tu domicilio completo.");
    expect(validate(filled({ nombre: "R2D2" })).nombre).toBe("Usa solo letras, espacios, apóstrofos y guiones.");
    expect(validate(filled({ nombre: "María-José O'Higgins Ñañez" }))).toEqual({});
    expect(validate(filled({ monto: "1000000.01" })).monto).toBe("El monto no puede pasar de S/ 1,000,000.00.");
    expect(validate(filled({ telefono: "01 444-5555" }))).toEqual({}); // a landline is a phone too
  });

  test("the document number follows its type", () => {
    expect(validate(filled({ documento_numero: "1234567" })).documento_numero).toBe("El DNI tiene 8 dígitos.");
    expect(validate(filled({ documento_tipo: "RUC", documento_numero: "20123456789" }))).toEqual({});
    expect(validate(filled({ documento_tipo: "RUC", documento_numero: "12345678901" })).documento_numero).toMatch(/RUC/);
    expect(validate(filled({ documento_tipo: "CE", documento_numero: "001234567" }))).toEqual({});
    expect(validate(filled({ documento_tipo: "PASAPORTE", documento_numero: "ab1" })).documento_numero).toMatch(/pasaporte/);
  });

  test("a minor's parent or guardian is asked for only when the section is open", () => {
    expect(validate(filled({ apoderado_nombre: "" }))).toEqual({});
    const errors = validate(filled({ menor: true }));
    expect(Object.keys(errors).sort()).toEqual(["apoderado_documento_numero", "apoderado_nombre"]);
    const body = complaintBody(filled({ menor: true, apoderado_nombre: "Ana Quispe", apoderado_documento_numero: "87654321" }), null);
    expect(body.apoderado).toEqual({ nombre: "Ana Quispe", documento_tipo: "DNI", documento_numero: "87654321" });
  });
});

describe("one Idempotency-Key per submission", () => {
  test("the same entry sent again reuses its key; a changed entry, or one after filing, gets a new one", () => {
    let n = 0;
    const keys = new SubmissionKey(() => `k${++n}`);
    const body = complaintBody(filled(), null);
    expect(keys.for(body)).toBe("k1");
    expect(keys.for(complaintBody(filled(), null))).toBe("k1"); // a double tap or a retry: the same entry
    expect(keys.for(complaintBody(filled({ detalle: "Otra cosa que pasó." }), null))).toBe("k2");
    keys.reset();
    expect(keys.for(complaintBody(filled({ detalle: "Otra cosa que pasó." }), null))).toBe("k3");
  });
});

describe("the sheet's dates", () => {
  test("the due date is the Lima day, with its year", () => {
    expect(fullDate("2026-12-19T03:00:00Z")).toBe("18 de diciembre de 2026"); // 22:00 of the 18th in Lima
    expect(shortDate("2026-12-19T03:00:00Z")).toBe("18/12/2026");
  });
});

describe("the API's refusals", () => {
  test("are said for this form where the shared message speaks of something else", () => {
    expect(complaintErrorMessage(new ApiError(404, "order_not_found", "x"))).toMatch(/ese pedido/);
    expect(complaintErrorMessage(new ApiError(409, "idempotency_key_reused", "x"))).toMatch(/reclamo/);
    expect(complaintErrorMessage(new ApiError(422, "validation_failed", "Revisa los datos marcados."))).toBe("Revisa los datos marcados.");
  });
});

describe("Mis reclamos, live", () => {
  test("an entry read again after a push takes its place; a new one goes first", () => {
    const entry = (numero: number, estado: Complaint["estado"] = "pendiente") => ({ numero, estado }) as Complaint;
    const list = [entry(3), entry(2), entry(1)];
    expect(upsert(list, entry(2, "respondido")).map((c) => [c.numero, c.estado])).toEqual([
      [3, "pendiente"],
      [2, "respondido"],
      [1, "pendiente"],
    ]);
    expect(upsert(list, entry(4)).map((c) => c.numero)).toEqual([4, 3, 2, 1]);
  });
});
