/** The staff roles, the stage each works, and where each lands after logging in. */
export type Rol = "admin" | "cocinero" | "empaquetador" | "repartidor";
export type Stage = "COCINA" | "EMPAQUETAMIENTO" | "DELIVERY";

export interface Board {
  stage: Stage;
  /** The REST resource and the app path of the board. */
  path: "cocina" | "empaquetamiento" | "delivery";
  title: string;
  rol: Exclude<Rol, "admin">;
  slaKey: "cocina" | "empaquetamiento" | "delivery";
}

export const BOARDS: Board[] = [
  { stage: "COCINA", path: "cocina", title: "Cocina", rol: "cocinero", slaKey: "cocina" },
  { stage: "EMPAQUETAMIENTO", path: "empaquetamiento", title: "Empaquetado", rol: "empaquetador", slaKey: "empaquetamiento" },
  { stage: "DELIVERY", path: "delivery", title: "Delivery", rol: "repartidor", slaKey: "delivery" },
];

export const ROLE_LABELS: Record<Rol, string> = {
  admin: "Administración",
  cocinero: "Cocina",
  empaquetador: "Empaquetado",
  repartidor: "Delivery",
};

export function boardOf(rol: string): Board | undefined {
  return BOARDS.find((board) => board.rol === rol);
}

/** Where a person of ``rol`` starts: their board, or the admin console's dashboard (how the day is going). */
export function homeFor(rol: string): string {
  return rol === "admin" ? "/admin/metricas" : `/${boardOf(rol)?.path ?? ""}`;
}

/** May ``rol`` open the screen at ``path``? (The API decides for real; this only hides what would fail.) */
export function mayOpen(rol: string, path: string): boolean {
  if (rol === "admin") return true;
  if (path.startsWith("/admin")) return false;
  const board = BOARDS.find((b) => path === `/${b.path}`);
  return !board || board.rol === rol;
}
