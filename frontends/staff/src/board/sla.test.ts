import { describe, expect, test } from "vitest";
import { homeFor, mayOpen } from "../roles";
import { slaLevel } from "./sla";

describe("SLA colour of a ticket", () => {
  test("on time until 75 % of the stage's SLA, due soon until 100 %, late after", () => {
    expect(slaLevel(0, 12)).toBe("ok");
    expect(slaLevel(539, 12)).toBe("ok");
    expect(slaLevel(540, 12)).toBe("soon");
    expect(slaLevel(719, 12)).toBe("soon");
    expect(slaLevel(720, 12)).toBe("late");
  });
});

describe("roles", () => {
  test("each person lands on their own board; admins on the console's metrics", () => {
    expect(homeFor("cocinero")).toBe("/cocina");
    expect(homeFor("repartidor")).toBe("/delivery");
    expect(homeFor("admin")).toBe("/admin/metricas");
  });

  test("a cook may not open the console nor another stage's board; an admin opens everything", () => {
    expect(mayOpen("cocinero", "/admin/pedidos")).toBe(false);
    expect(mayOpen("cocinero", "/delivery")).toBe(false);
    expect(mayOpen("cocinero", "/cocina")).toBe(true);
    expect(mayOpen("admin", "/delivery")).toBe(true);
  });
});
