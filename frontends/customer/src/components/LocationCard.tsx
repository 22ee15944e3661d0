/** One location: where it is, what it offers, whether it takes online orders now (paused, or closed by its hours). */
import { limaWeekday } from "../../../shared/dates";
import { PinIcon } from "../../../shared/icons";
import { type Location, nextOpening, openNow } from "../../../shared/catalog";

const DISPATCH_LABELS = { delivery: "Delivery", pickup: "Recojo en tienda" } as const;

export function dispatchLabel(dispatch: "delivery" | "pickup"): string {
  return DISPATCH_LABELS[dispatch];
}

/** Why the location takes no order now, in Spanish, or null when it does. */
export function closedNotice(location: Location, at: Date = new Date()): string | null {
  if (location.paused) return "Este local pausó los pedidos en línea por ahora.";
  if (openNow(location.opening_hours, at)) return null;
  const opens = nextOpening(location.opening_hours, at);
  return opens ? `Este local está cerrado ahora. Abre ${opens}.` : "Este local está cerrado por ahora.";
}

export function LocationCard({
  location,
  chosen,
  onChoose,
}: {
  location: Location;
  chosen: boolean;
  onChoose: (location: Location) => void;
}) {
  const today = location.opening_hours[limaWeekday()];
  const closed = closedNotice(location);
  return (
    <article class={`card location-card${closed ? " location-card--paused" : ""}`} aria-label={location.name}>
      <div class="spread">
        <h3>{location.name}</h3>
        {location.paused ? (
          <span class="pill pill--red">Pausado</span>
        ) : closed ? (
          <span class="pill pill--red">Cerrado</span>
        ) : (
          <span class="pill pill--green">Recibiendo pedidos</span>
        )}
      </div>
      <p class="address small">
        <PinIcon />
        <span>
          {location.address} · {location.district}
        </span>
      </p>
      <p class="small muted">
        {location.dispatch_types.map(dispatchLabel).join(" · ")}
        {today ? ` · Hoy ${today.replace("-", "–")}` : " · Hoy cerrado"}
      </p>
      {closed ? (
        <p class="small">{closed}</p>
      ) : (
        <button
          type="button"
          class={`button ${chosen ? "button--secondary" : "button--primary"} button--block`}
          onClick={() => onChoose(location)}
          aria-pressed={chosen}
        >
          {chosen ? "Local elegido" : `Pedir en ${location.name}`}
        </button>
      )}
    </article>
  );
}
