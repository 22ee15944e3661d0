/** The menu of the chosen location, by category; items unavailable there are shown greyed out. */
import { useMemo, useState } from "preact/hooks";
import { useLoad } from "../../../shared/hooks";
import { soles } from "../../../shared/money";
import { Link } from "../../../shared/router";
import { useStore } from "../../../shared/store";
import { Loading, Notice } from "../../../shared/ui";
import { CartFull, addLine, itemCount, totals } from "../cart";
import { type MenuItem, categories, categoryLabel, lowestPrice, menuItems } from "../../../shared/catalog";
import { ItemDialog, type ItemChoice } from "../components/ItemDialog";
import { closedNotice } from "../components/LocationCard";
import { useApp } from "../context";
import { LocationList } from "./LocationsPage";

function ItemCard({ item, onOpen }: { item: MenuItem; onOpen: (item: MenuItem) => void }) {
  const unavailable = item.unavailable !== null;
  return (
    <li class={`menu-item${unavailable ? " menu-item--unavailable" : ""}`}>
      <button type="button" class="menu-item__button" onClick={() => onOpen(item)} disabled={unavailable} aria-describedby={`precio-${item.kind}-${item.id}`}>
        {item.image_url ? (
          <img src={item.image_url} alt="" width={96} height={96} loading="lazy" class="menu-item__image" />
        ) : (
          <span class="menu-item__image menu-item__image--empty" aria-hidden="true" />
        )}
        <span class="menu-item__text">
          <span class="menu-item__name">{item.name}</span>
          <span class="menu-item__description">{item.description}</span>
          <span class="menu-item__meta" id={`precio-${item.kind}-${item.id}`}>
            {unavailable ? (
              <span class="pill pill--red">{item.unavailable}</span>
            ) : (
              <>
                <span class="menu-item__price">
                  {item.sizes.length > 1 ? "Desde " : ""}
                  {soles(lowestPrice(item))}
                </span>
                {item.points > 0 && <span class="small muted"> · {item.points} pts</span>}
              </>
            )}
          </span>
        </span>
      </button>
    </li>
  );
}

export function MenuPage() {
  const app = useApp();
  const locationId = useStore(app.location);
  const cart = useStore(app.cart);
  const menu = useLoad(() => app.loadMenu(), []);
  const [open, setOpen] = useState<MenuItem | null>(null);
  const [added, setAdded] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const location = menu.data?.locations.find((l) => l.location_id === locationId) ?? null;
  const items = useMemo(() => (menu.data ? menuItems(menu.data.products, menu.data.combos, locationId) : []), [menu.data, locationId]);
  const sections = categories(items);
  const [active, setActive] = useState<string | null>(null);

  if (menu.error) {
    return (
      <main id="contenido">
        <Notice kind="error">{menu.error}</Notice>
        <button type="button" class="button button--secondary" onClick={() => void menu.reload()}>
          Reintentar
        </button>
      </main>
    );
  }
  if (!menu.data) {
    return (
      <main id="contenido">
        <Loading label="Cargando la carta…" />
      </main>
    );
  }
  if (!location) {
    return (
      <main id="contenido">
        <h1>¿Dónde quieres pedir?</h1>
        <p class="muted">Elige el local que preparará tu pedido para ver su carta.</p>
        <LocationList />
      </main>
    );
  }
  const add = (choice: ItemChoice) => {
    if (!open) return;
    try {
      app.cart.update((current) => addLine({ ...current, location_id: location.location_id }, { item: open, ...choice }));
      setAdded(`${choice.quantity} × ${open.name} agregado al carrito.`);
      setProblem(null);
    } catch (error) {
      setProblem(error instanceof CartFull ? "Tu carrito está lleno: confirma este pedido y haz otro." : "No pudimos agregar este producto.");
    }
    setOpen(null);
  };
  const shown = active ?? sections[0];
  const count = itemCount(cart);
  const closedNow = !location.paused && closedNotice(location);
  return (
    <>
      <main id="contenido" class="menu">
        <div class="page-title">
          <div>
            <h1>Carta</h1>
            <p class="small muted">
              Pidiendo en <strong>{location.name}</strong> · <Link to="/locales">Cambiar local</Link>
            </p>
          </div>
        </div>
        {location.paused && <Notice kind="warning">Este local pausó los pedidos en línea. Puedes ver la carta o elegir otro local.</Notice>}
        {closedNow && <Notice kind="warning">{closedNow} Puedes ver la carta o elegir otro local.</Notice>}
        {problem && <Notice kind="error">{problem}</Notice>}
        {added && <Notice kind="success">{added}</Notice>}
        <div class="tabs" role="tablist" aria-label="Categorías">
          {sections.map((category) => (
            <button
              type="button"
              role="tab"
              class="tab"
              key={category}
              aria-selected={category === shown}
              aria-controls={`categoria-${category}`}
              id={`tab-${category}`}
              onClick={() => setActive(category)}
            >
              {categoryLabel(category)}
            </button>
          ))}
        </div>
        {sections
          .filter((category) => category === shown)
          .map((category) => (
            <section key={category} id={`categoria-${category}`} role="tabpanel" aria-labelledby={`tab-${category}`}>
              <h2>{categoryLabel(category)}</h2>
              <ul class="menu-list">
                {items
                  .filter((item) => item.category === category)
                  .map((item) => (
                    <ItemCard key={`${item.kind}:${item.id}`} item={item} onOpen={setOpen} />
                  ))}
              </ul>
            </section>
          ))}
      </main>
      {count > 0 && (
        <div class="footer-bar">
          <span>
            <strong>{count}</strong> {count === 1 ? "producto" : "productos"} · {soles(totals(cart, "pickup", 0).subtotal_cents)}
          </span>
          <Link to="/carrito" class="button button--primary">
            Ver carrito
          </Link>
        </div>
      )}
      <ItemDialog item={open} onClose={() => setOpen(null)} onAdd={add} />
    </>
  );
}
