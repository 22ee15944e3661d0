/**
 * How late a ticket is against the tenant's SLA for its stage: on time (green) until 75 % of the
 * SLA, due soon (amber) until 100 %, late (red) after. Said in words too, never by colour alone.
 */
export type SlaLevel = "ok" | "soon" | "late";

export const WARN_AT = 0.75;

export function slaLevel(elapsedSeconds: number, slaMinutes: number): SlaLevel {
  const limit = Math.max(1, slaMinutes) * 60;
  if (elapsedSeconds >= limit) return "late";
  if (elapsedSeconds >= limit * WARN_AT) return "soon";
  return "ok";
}

export const SLA_LABELS: Record<SlaLevel, string> = { ok: "A tiempo", soon: "Por vencer", late: "Atrasado" };
