/** Choose the location to order from. */
import { useLoad } from "../../../shared/hooks";
import { navigate } from "../../../shared/router";
import { useStore } from "../../../shared/store";
import { Loading, Notice } from "../../../shared/ui";
import type { Location } from "../../../shared/catalog";
import { LocationCard } from "../components/LocationCard";
import { useApp } from "../context";

export function LocationList({ onChosen }: { onChosen?: () => void }) {
  const app = useApp();
  const chosen = useStore(app.location);
  const menu = useLoad(() => app.loadMenu(), []);
  const choose = (location: Location) => {
    app.location.set(location.location_id);
    app.cart.update((cart) => ({ ...cart, location_id: location.location_id }));
    onChosen?.();
  };
  if (menu.error) return <Notice kind="error">{menu.error}</Notice>;
  if (!menu.data) return <Loading label="Cargando locales…" />;
  return (
    <div class="grid">
      {menu.data.locations.map((location) => (
        <LocationCard key={location.location_id} location={location} chosen={chosen === location.location_id} onChoose={choose} />
      ))}
    </div>
  );
}

export function LocationsPage() {
  return (
    <main id="contenido">
      <h1>¿Dónde quieres pedir?</h1>
      <p class="muted">Elige el local que preparará tu pedido.</p>
      <LocationList onChosen={() => navigate("/")} />
    </main>
  );
}
