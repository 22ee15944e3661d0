/** Dates and times as a person in Lima reads them, whatever the device's own time zone. */
const ZONE = "America/Lima";

const time = new Intl.DateTimeFormat("es-PE", { timeZone: ZONE, hour: "2-digit", minute: "2-digit", hour12: false });
const dateTime = new Intl.DateTimeFormat("es-PE", {
  timeZone: ZONE,
  day: "2-digit",
  month: "2-digit",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
});
const day = new Intl.DateTimeFormat("es-PE", { timeZone: ZONE, weekday: "long", day: "numeric", month: "long" });
const isoDay = new Intl.DateTimeFormat("en-CA", { timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit" });

/** `14:05` */
export function clock(iso: string): string {
  return time.format(new Date(iso));
}

/** `28/11/2026, 14:05` */
export function dateAndTime(iso: string): string {
  return dateTime.format(new Date(iso));
}

/** `sábado, 28 de noviembre` */
export function longDay(iso: string): string {
  return day.format(new Date(iso));
}

/** The Lima calendar day of an instant, as `YYYY-MM-DD`. */
export function limaDay(at: Date = new Date()): string {
  return isoDay.format(at);
}

/** `3:07` or `1:02:05`: the age of a ticket on a board. */
export function elapsed(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

/** Lima's weekday key as the catalog stores opening hours: lun, mar, mie, jue, vie, sab, dom. */
export function limaWeekday(at: Date = new Date()): string {
  const name = new Intl.DateTimeFormat("en-US", { timeZone: ZONE, weekday: "short" }).format(at);
  const keys: Record<string, string> = { Mon: "lun", Tue: "mar", Wed: "mie", Thu: "jue", Fri: "vie", Sat: "sab", Sun: "dom" };
  return keys[name] ?? "lun";
}
