/** The cart: edit sizes, quantities and notes, remove lines, see the estimated total. */
import { useEffect, useState } from "preact/hooks";
import { soles } from "../../../shared/money";
import { Link, navigate } from "../../../shared/router";
import { useStore } from "../../../shared/store";
import { Notice } from "../../../shared/ui";
import { type CartLine, type Dispatch, removeLine, reprice, totals, updateLine } from "../cart";
import { type MenuItem, menuItems } from "../../../shared/catalog";
import { ItemDialog, Stepper } from "../components/ItemDialog";
import { useApp } from "../context";
import { DispatchChoice } from "../components/DispatchChoice";
import { Totals } from "../components/Totals";

export function CartPage() {
  const app = useApp();
  const cart = useStore(app.cart);
  const locationId = useStore(app.location);
  const [menu, setMenu] = useState<MenuItem[] | null>(null);
  const [editing, setEditing] = useState<CartLine | null>(null);
  const [problems, setProblems] = useState<string[]>([]);
  const [locationName, setLocationName] = useState<string | null>(null);
  const [dispatches, setDispatches] = useState<Dispatch[]>(["delivery", "pickup"]);

  useEffect(() => {
    app
      .loadMenu()
      .then((loaded) => {
        const items = menuItems(loaded.products, loaded.combos, locationId);
        setMenu(items);
        const location = loaded.locations.find((l) => l.location_id === locationId);
        setLocationName(location?.name ?? null);
        if (location) setDispatches(location.dispatch_types);
        const checked = reprice(app.cart.get(), items);
        app.cart.set(checked.cart);
        setProblems([
          ...checked.missing.map((line) => `${line.name} (${line.size}) ya no está en la carta: quítalo para continuar.`),
          ...checked.unavailable.map((line) => `${line.name} no está disponible en este local ahora: quítalo para continuar.`),
        ]);
      })
      .catch(() => setMenu([]));
  }, [locationId]);

  const editingItem = editing && menu ? (menu.find((m) => m.kind === editing.kind && m.id === editing.item_id) ?? null) : null;
  const wanted = useStore(app.dispatch);
  const dispatch: Dispatch = dispatches.includes(wanted) ? wanted : dispatches[0];
  const estimate = totals(cart, dispatch, app.tenant.delivery_fee_cents);

  if (!cart.lines.length) {
    return (
      <main id="contenido" class="narrow">
        <h1>Tu carrito</h1>
        <div class="card stack">
          <p>Tu carrito está vacío.</p>
          <Link to="/" class="button button--primary">
            Ver la carta
          </Link>
        </div>
      </main>
    );
  }
  return (
    <>
      <main id="contenido" class="narrow">
        <h1>Tu carrito</h1>
        {locationName && (
          <p class="small muted">
            Para {locationName} · <Link to="/locales">Cambiar local</Link>
          </p>
        )}
        {problems.map((problem) => (
          <Notice kind="warning" key={problem}>
            {problem}
          </Notice>
        ))}
        <ul class="cart-lines card" aria-label="Productos del carrito">
          {cart.lines.map((line) => (
            <li class="cart-line" key={line.key}>
              <div class="spread">
                <div>
                  <p class="strong cart-line__name">{line.name}</p>
                  <p class="small muted">
                    {line.size.charAt(0).toUpperCase() + line.size.slice(1)} · {soles(line.unit_price_cents)} c/u
                  </p>
                  {line.notes && <p class="small cart-line__notes">“{line.notes}”</p>}
                </div>
                <strong class="num">{soles(line.unit_price_cents * line.quantity)}</strong>
              </div>
              <div class="spread">
                <Stepper
                  value={line.quantity}
                  label={`Cantidad de ${line.name}`}
                  onChange={(quantity) => app.cart.update((c) => updateLine(c, line.key, { quantity }))}
                />
                <div class="row">
                  <button type="button" class="button button--ghost" onClick={() => setEditing(line)} disabled={!menu?.length} aria-label={`Editar ${line.name}`}>
                    Editar
                  </button>
                  <button type="button" class="button button--ghost" onClick={() => app.cart.update((c) => removeLine(c, line.key))} aria-label={`Quitar ${line.name}`}>
                    Quitar
                  </button>
                </div>
              </div>
            </li>
          ))}
        </ul>
        <DispatchChoice offered={dispatches} value={dispatch} onChange={(value) => app.dispatch.set(value)} />
        <div class="card">
          <Totals totals={estimate} />
        </div>
      </main>
      <div class="footer-bar">
        <Link to="/" class="button button--secondary">
          Seguir pidiendo
        </Link>
        <button type="button" class="button button--primary" onClick={() => navigate("/checkout")} disabled={problems.length > 0}>
          Continuar
        </button>
      </div>
      <ItemDialog
        item={editingItem}
        initial={editing ? { size: editing.size, quantity: editing.quantity, notes: editing.notes } : undefined}
        actionLabel="Guardar cambios"
        onClose={() => setEditing(null)}
        onAdd={(choice) => {
          if (editing && editingItem) {
            const unit = editingItem.sizes.find((s) => s.size === choice.size)?.price_cents ?? editing.unit_price_cents;
            app.cart.update((c) => updateLine(c, editing.key, { ...choice, unit_price_cents: unit }));
          }
          setEditing(null);
        }}
      />
    </>
  );
}
