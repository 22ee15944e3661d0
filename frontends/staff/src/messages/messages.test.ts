import { describe, expect, test } from "vitest";
import {
  type Contact,
  type StaffMessage,
  defaultRecipient,
  frameBytes,
  frameErrorText,
  latestAt,
  mergeMessages,
  messageFrame,
  readFrame,
  recipientOptions,
  recipientText,
  textProblem,
  unreadCount,
} from "./messages";

const cook = { subject_id: "e-cook", rol: "cocinero", location_id: "larco" };
const boss = { subject_id: "e-admin", rol: "admin", location_id: "larco" };
const places = [
  { location_id: "larco", name: "Bembos Larco" },
  { location_id: "benavides", name: "Bembos Benavides" },
];
const contacts: Contact[] = [
  { employee_id: "e-cook", name: "Cocinero Demo", rol: "cocinero", location_id: "larco" },
  { employee_id: "e-pack", name: "Rosa Quispe", rol: "empaquetador", location_id: "larco" },
  { employee_id: "e-admin", name: "Ana Admin", rol: "admin", location_id: "larco" },
];

function message(id: string, at: string, from = "e-pack", to: StaffMessage["to"] = { kind: "rol", rol: "cocinero", location_id: "larco" }): StaffMessage {
  return { id, at, texto: "hola", from: { employee_id: from, name: "x", rol: "empaquetador", location_id: "larco" }, to };
}

describe("recipients a person may write to", () => {
  test("staff: the roles of their own location (no location in the frame), the admins and people, never themselves", () => {
    const options = recipientOptions(cook, contacts, places);
    expect(options.map((o) => o.key)).toEqual([
      "rol:cocinero",
      "rol:empaquetador",
      "rol:repartidor",
      "rol:admin",
      "empleado:e-admin",
      "empleado:e-pack",
    ]);
    expect(options[1].to).toEqual({ rol: "empaquetador" });
    expect(options[3].to).toEqual({ rol: "admin" });
    expect(options.find((o) => o.key === "empleado:e-pack")?.label).toBe("Rosa Quispe (Empaquetado)");
    expect(options.some((o) => "todos" in o.to || "local" in o.to)).toBe(false);
  });

  test("admins: the whole tenant, each location whole or by role (with its location_id), and people", () => {
    const options = recipientOptions(boss, contacts, places);
    const tos = options.map((o) => o.to);
    expect(tos[0]).toEqual({ todos: true });
    expect(tos[1]).toEqual({ rol: "admin" }); // the admins are the tenant's: no location_id
    expect(tos).toContainEqual({ local: "benavides" });
    expect(tos).toContainEqual({ rol: "repartidor", location_id: "benavides" });
    expect(tos).toContainEqual({ empleado: "e-cook" });
    expect(tos).not.toContainEqual({ empleado: "e-admin" });
    expect(options.find((o) => o.key === "empleado:e-cook")?.label).toBe("Cocinero Demo (Cocina · Bembos Larco)");
  });

  test("the composer starts on the next stage's role for a cook, on the admin's own location", () => {
    expect(defaultRecipient(cook, recipientOptions(cook, contacts, places))).toBe("rol:empaquetador");
    expect(defaultRecipient({ ...cook, rol: "empaquetador" }, recipientOptions(cook, [], places))).toBe("rol:cocinero");
    expect(defaultRecipient(boss, recipientOptions(boss, contacts, places))).toBe("local:larco");
  });
});

describe("a message to send", () => {
  test("1..500 characters once trimmed, and a frame within 4 KB", () => {
    expect(textProblem("   ")).toBe("Escribe el mensaje.");
    expect(textProblem("x".repeat(500))).toBeNull();
    expect(textProblem(` ${"x".repeat(500)} `)).toBeNull();
    expect(textProblem("x".repeat(501))).toMatch(/hasta 500/);
    expect(textProblem("🍔".repeat(500))).toBeNull(); // characters, not UTF-16 units
    expect(textProblem("ok", 4097)).toMatch(/demasiado largo/);
  });

  test("the frame is the contract's: action mensaje, the client id, the trimmed text, the recipient", () => {
    const frame = messageFrame("c-1", "  Falta pan  ", { rol: "empaquetador" });
    expect(frame).toEqual({ action: "mensaje", client_id: "c-1", texto: "Falta pan", to: { rol: "empaquetador" } });
    expect(frameBytes(messageFrame("c", "🍔".repeat(500), { todos: true }))).toBeLessThan(4096);
  });

  test("error frames are said in Spanish by their code", () => {
    expect(frameErrorText("rate_limited")).toMatch(/Espera unos segundos/);
    expect(frameErrorText("session_ended")).toMatch(/Ingresa de nuevo/);
    expect(frameErrorText("forbidden")).toBe("No puedes escribir a ese destinatario.");
    expect(frameErrorText("something_new")).toMatch(/No pudimos procesar/);
  });
});

describe("the list and its unread badge", () => {
  test("history pages and pushes merge by id, most recent first", () => {
    const merged = mergeMessages([message("a", "2026-11-28T15:00:00-05:00"), message("b", "2026-11-28T15:05:00-05:00")], [
      message("b", "2026-11-28T15:05:00-05:00"),
      message("c", "2026-11-28T14:00:00-05:00"),
    ]);
    expect(merged.map((m) => m.id)).toEqual(["b", "a", "c"]);
  });

  test("unread: others' messages after the last read, never one's own nor those older than a shift", () => {
    const now = Date.parse("2026-11-28T20:00:00Z");
    const list = [
      message("mine", "2026-11-28T19:59:00Z", "e-cook"),
      message("new", "2026-11-28T19:50:00Z"),
      message("read", "2026-11-28T19:00:00Z"),
      message("yesterday", "2026-11-27T19:00:00Z"),
    ];
    expect(unreadCount(list, "e-cook", "2026-11-28T19:30:00Z", now)).toBe(1);
    expect(unreadCount(list, "e-cook", null, now)).toBe(2);
    expect(unreadCount(list, "e-cook", latestAt(list, null), now)).toBe(0);
  });

  test("each recipient is said as the reader knows it", () => {
    const m = (to: StaffMessage["to"]) => message("x", "2026-11-28T15:00:00Z", "e-admin", to);
    expect(recipientText(m({ kind: "empleado", employee_id: "e-cook" }), cook, contacts, places)).toBe("Para ti");
    expect(recipientText(m({ kind: "empleado", employee_id: "e-pack" }), cook, contacts, places)).toBe("Para Rosa Quispe");
    expect(recipientText(m({ kind: "rol", rol: "empaquetador", location_id: "larco" }), cook, contacts, places)).toBe("Para Empaquetado");
    expect(recipientText(m({ kind: "rol", rol: "empaquetador", location_id: "larco" }), boss, contacts, places)).toBe(
      "Para Empaquetado · Bembos Larco",
    );
    expect(recipientText(m({ kind: "local", location_id: "larco" }), cook, contacts, places)).toBe("Para todo Bembos Larco");
    expect(recipientText(m({ kind: "todos" }), cook, contacts, places)).toBe("Para todo el personal");
  });
});

describe("frames off the socket", () => {
  const pushed = message("m1", "2026-11-28T15:00:00Z");

  test("a StaffMessage is a message, from someone else unless its sender is me", () => {
    expect(readFrame({ type: "StaffMessage", message: pushed }, "e-cook")).toEqual({ kind: "message", message: pushed, fromOther: true });
    expect(readFrame({ type: "StaffMessage", message: pushed }, "e-pack")).toMatchObject({ fromOther: false });
  });

  test("MessageSent settles my send by its client_id; an error frame refuses it, or the screen when it names none", () => {
    expect(readFrame({ type: "MessageSent", client_id: "c1", message: pushed }, "e-cook")).toEqual({ kind: "sent", clientId: "c1", message: pushed });
    expect(readFrame({ type: "error", client_id: "c1", code: "rate_limited", message: "slow" }, "e-cook")).toEqual({
      kind: "refused",
      clientId: "c1",
      problem: frameErrorText("rate_limited"),
    });
    expect(readFrame({ type: "error", client_id: null, code: "frame_too_large" }, "e-cook")).toMatchObject({ clientId: null });
  });

  test("the board's own frames are not the messages'", () => {
    expect(readFrame({ type: "OrderStatusChanged", order_id: "o1" }, "e-cook")).toBeNull();
    expect(readFrame({ type: "ComplaintFiled", numero: 3 }, "e-admin")).toBeNull();
  });
});
