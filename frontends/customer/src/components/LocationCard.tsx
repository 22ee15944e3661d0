/** One location: where it is, what it offers, whether it takes online orders now. */
import { limaWeekday } from "../../../shared/dates";
import { PinIcon } from "../../../shared/icons";
import type { Location } from "../../../shared/catalog";

const DISPATCH_LABELS = { delivery: "Delivery", pickup: "Recojo en tienda" } as const;

export function dispatchLabel(dispatch: "delivery" | "pickup"): string {
  return DISPATCH_LABELS[dispatch];
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
  return (
    <article class={`card location-card${location.paused ? " location-card--paused" : ""}`} aria-label={location.name}>
      <div class="spread">
        <h3>{location.name}</h3>
        {location.paused ? (
          <span class="pill pill--red">Pausado</span>
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
      {location.paused ? (
        <p class="small">Este local pausó los pedidos en línea por ahora.</p>
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
