import { describe, expect, test, vi } from "vitest";
import { nextOpening, openNow } from "./catalog";
import { tenantFromPath } from "./config";
import { clock, elapsed, limaDay } from "./dates";
import { apiErrorFrom, messageFor } from "./errors";
import { LiveConnection, backoffDelay } from "./live";
import { soles } from "./money";

describe("money and dates", () => {
  test("céntimos read as soles, es-PE", () => {
    expect(soles(1590)).toBe("S/ 15.90");
    expect(soles(5)).toBe("S/ 0.05");
    expect(soles(123456789)).toBe("S/ 1,234,567.89");
    expect(soles(-500)).toBe("-S/ 5.00");
  });

  test("times are Lima's, whatever the machine's zone", () => {
    expect(clock("2026-11-28T17:05:00Z")).toBe("12:05");
    expect(limaDay(new Date("2026-11-29T03:00:00Z"))).toBe("2026-11-28");
    expect(elapsed(187)).toBe("3:07");
    expect(elapsed(3725)).toBe("1:02:05");
  });
});

describe("tenant from the address", () => {
  test("the first segment below the app's base is the tenant", () => {
    expect(tenantFromPath("/clientes/bembos-miraflores/pedido/abc", "/clientes/")).toBe("bembos-miraflores");
    expect(tenantFromPath("/clientes/", "/clientes/")).toBeNull();
    expect(tenantFromPath("/clientes/Not_Valid/", "/clientes/")).toBeNull();
    expect(tenantFromPath("/otra/bembos-miraflores", "/clientes/")).toBeNull();
  });
});

describe("API errors", () => {
  test("the server's code decides the Spanish message; the status is the fallback", () => {
    expect(apiErrorFrom(409, { error: "location_paused", message: "x" }).message).toMatch(/pausó/);
    expect(apiErrorFrom(503, null).message).toMatch(/problema de nuestro lado/);
    expect(messageFor(429, undefined)).toMatch(/Demasiados intentos/);
  });

  test("validation details become per-field Spanish messages", () => {
    const error = apiErrorFrom(422, {
      error: "validation_failed",
      details: [
        { loc: ["body", "phone"], msg: "String should have at least 9 characters", type: "string_too_short" },
        { loc: ["body", "password"], msg: "Value error, must not be made of digits only", type: "value_error" },
      ],
    });
    expect(error.fieldMessage("phone")).toMatch(/celular peruano/);
    expect(error.fieldMessage("password")).toMatch(/solo números/);
    expect(error.fieldMessage("name")).toBeUndefined();
  });
});

class FakeSocket {
  static OPEN = 1;
  static CLOSED = 3;
  readyState = 0;
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = FakeSocket.CLOSED;
    this.onclose?.();
  }
  open() {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }
}

describe("live connection", () => {
  test("backoff grows and is capped, with jitter", () => {
    expect(backoffDelay(0, 30_000, () => 0)).toBe(250);
    expect(backoffDelay(3, 30_000, () => 1)).toBe(4000);
    expect(backoffDelay(20, 30_000, () => 1)).toBe(30_000);
  });

  test("a drop reconnects, and every (re)connection asks the screen to re-read; pings keep it alive", () => {
    vi.useFakeTimers();
    const listeners: Record<string, () => void> = {};
    vi.stubGlobal("window", { addEventListener: (name: string, fn: () => void) => (listeners[name] = fn), removeEventListener: () => undefined });
    vi.stubGlobal("WebSocket", FakeSocket);
    const sockets: FakeSocket[] = [];
    const reads: number[] = [];
    const messages: unknown[] = [];
    const live = new LiveConnection({
      url: "ws://local/ws/dev",
      token: "t.a b",
      onMessage: (m) => messages.push(m),
      onOpen: () => reads.push(sockets.length),
      socketFactory: (url) => {
        const socket = new FakeSocket(url);
        sockets.push(socket);
        return socket as unknown as WebSocket;
      },
      keepaliveMs: 1000,
    }).start();
    expect(sockets[0].url).toBe("ws://local/ws/dev?token=t.a%20b");
    sockets[0].open();
    sockets[0].onmessage?.({ data: JSON.stringify({ type: "OrderStatusChanged", order_id: "o1" }) });
    sockets[0].onmessage?.({ data: JSON.stringify({ type: "pong" }) });
    vi.advanceTimersByTime(1000);
    expect(sockets[0].sent).toEqual([JSON.stringify({ action: "ping" })]);
    sockets[0].close();
    vi.advanceTimersByTime(30_000);
    expect(sockets).toHaveLength(2);
    sockets[1].open();
    expect(reads).toEqual([1, 2]);
    expect(messages).toEqual([{ type: "OrderStatusChanged", order_id: "o1" }]);
    live.stop();
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(2);
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });
});

describe("live connection: frames the screen sends", () => {
  test("a frame goes out as JSON on the open connection; none is sent (nor kept) while it is down", () => {
    vi.stubGlobal("window", { addEventListener: () => undefined, removeEventListener: () => undefined });
    vi.stubGlobal("WebSocket", FakeSocket);
    const sockets: FakeSocket[] = [];
    const live = new LiveConnection({
      url: "ws://local/ws/dev",
      token: "t",
      onMessage: () => undefined,
      socketFactory: (url) => {
        const socket = new FakeSocket(url);
        sockets.push(socket);
        return socket as unknown as WebSocket;
      },
    }).start();
    const frame = { action: "mensaje", client_id: "c1", texto: "Falta pan", to: { rol: "empaquetador" } };
    expect(live.send(frame)).toBe(false); // still connecting
    sockets[0].open();
    expect(live.send(frame)).toBe(true);
    expect(sockets[0].sent).toEqual([JSON.stringify(frame)]);
    live.stop();
    expect(live.send(frame)).toBe(false);
    expect(sockets[0].sent).toHaveLength(1);
    vi.unstubAllGlobals();
  });
});

describe("opening hours, in Lima time", () => {
  const everyDay = Object.fromEntries(["lun", "mar", "mie", "jue", "vie", "sab", "dom"].map((d) => [d, "11:00-23:00"]));
  // 1 May 2026 is a Friday; Lima is UTC-5 all year.
  const lima = (day: number, hour: number, minute = 0) => new Date(Date.UTC(2026, 4, day, hour + 5, minute));

  test("open within the day's span, closed outside it", () => {
    expect(openNow(everyDay, lima(1, 10, 59))).toBe(false);
    expect(openNow(everyDay, lima(1, 11))).toBe(true);
    expect(openNow(everyDay, lima(1, 22, 59))).toBe(true);
    expect(openNow(everyDay, lima(1, 23))).toBe(false);
    expect(openNow({ sab: "11:00-23:00" }, lima(1, 12))).toBe(false);
    expect(openNow({ vie: "11:00-24:00" }, lima(1, 23, 59))).toBe(true);
  });

  test("a span past midnight belongs to the day it starts", () => {
    expect(openNow({ vie: "18:00-02:00" }, lima(2, 1, 30))).toBe(true);
    expect(openNow({ vie: "18:00-02:00" }, lima(2, 2))).toBe(false);
    expect(openNow({ vie: "18:00-02:00" }, lima(1, 1, 30))).toBe(false);
  });

  test("the next opening is said as a person would", () => {
    expect(nextOpening(everyDay, lima(1, 7))).toBe("hoy a las 11:00");
    expect(nextOpening(everyDay, lima(1, 23, 30))).toBe("mañana a las 11:00");
    expect(nextOpening({ lun: "12:00-22:00" }, lima(1, 23))).toBe("el lunes a las 12:00");
    expect(nextOpening({}, lima(1, 7))).toBeNull();
  });
});
