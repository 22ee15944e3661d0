/** Small helpers of the console: the tenant's locations (read once per visit), money typed as soles. */
import { createContext } from "preact";
import { useContext, useState } from "preact/hooks";
import type { Location } from "../../../shared/catalog";
import { type Loaded, useLoad } from "../../../shared/hooks";
import { useStore } from "../../../shared/store";
import { useApp } from "../context";

export const LocationsContext = createContext<Loaded<Location[]> | null>(null);

/** Read the tenant's locations (the console's frame does it once and shares them). */
export function useLocationsLoader(): Loaded<Location[]> {
  const app = useApp();
  return useLoad(() => app.api.all<Location>("locales", { query: { limit: 100 } }), []);
}

/** The tenant's locations, read once for the admin's screens (see ``App``). */
export function useLocations(): Loaded<Location[]> {
  const shared = useContext(LocationsContext);
  if (!shared) throw new Error("LocationsContext missing");
  return shared;
}

/** "15.90" or "15,90" -> 1590 céntimos; null when it is not an amount. */
export function centsFromSoles(text: string): number | null {
  const clean = text.trim().replace(/^S\/\s*/i, "").replace(",", ".");
  if (!/^\d{1,6}(\.\d{1,2})?$/.test(clean)) return null;
  return Math.round(Number(clean) * 100);
}

export function solesInput(cents: number): string {
  return (cents / 100).toFixed(2);
}

/** A location picked by the admin: their own location until they choose another (or the first one). */
export function useChosenLocation(): [string, (locationId: string) => void] {
  const app = useApp();
  const session = useStore(app.sessions);
  const locations = useLocations();
  const [picked, setPicked] = useState("");
  const own = locations.data?.find((l) => l.location_id === session?.location_id);
  return [picked || own?.location_id || locations.data?.[0]?.location_id || "", setPicked];
}

/** The tenant's locations to choose from; with `allLabel`, a first option (value "") for all of them. */
export function LocationSelect({
  value,
  onChange,
  className = "field",
  allLabel,
}: {
  value: string;
  onChange: (locationId: string) => void;
  className?: string;
  allLabel?: string;
}) {
  const locations = useLocations();
  return (
    <label class={className}>
      <span>Local</span>
      <select value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        {allLabel !== undefined && <option value="">{allLabel}</option>}
        {(locations.data ?? []).map((l) => (
          <option key={l.location_id} value={l.location_id}>
            {l.name}
          </option>
        ))}
      </select>
    </label>
  );
}
