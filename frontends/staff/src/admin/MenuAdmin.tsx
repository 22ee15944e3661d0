/**
 * The menu: products and combos, with their sizes and prices, availability per location ("86"),
 * combo stock, images (a presigned PUT straight to the bucket, with a preview) and archiving.
 */
import { useEffect, useState } from "preact/hooks";
import { type Combo, type Location, type Product, type Size, categoryLabel } from "../../../shared/catalog";
import { errorText, useAction, useLoad } from "../../../shared/hooks";
import { soles } from "../../../shared/money";
import { Button, Dialog, Field, Form, Loading, Notice, TextArea } from "../../../shared/ui";
import { useApp } from "../context";
import { centsFromSoles, solesInput, useLocations } from "./common";

type Kind = "producto" | "combo";
type Item = (Product & { kind: "producto"; id: string }) | (Combo & { kind: "combo"; id: string });

const IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp"];
const MAX_IMAGE_BYTES = 2 * 1024 * 1024;
const RESOURCE: Record<Kind, string> = { producto: "producto", combo: "combos" };

interface SizeRow {
  size: string;
  price: string;
}

interface Draft {
  name: string;
  description: string;
  category: string;
  points: string;
  available: boolean;
  sizes: SizeRow[];
  items: { product_id: string; quantity: string }[];
  stock: string;
}

function draftOf(item: Item | null, kind: Kind): Draft {
  return {
    name: item?.name ?? "",
    description: item?.description ?? "",
    category: item?.kind === "producto" ? item.category : kind === "producto" ? "hamburguesas" : "",
    points: String(item?.points ?? 0),
    available: item?.available ?? true,
    sizes: item ? item.sizes.map((s) => ({ size: s.size, price: solesInput(s.price_cents) })) : [{ size: "regular", price: "" }],
    items: item?.kind === "combo" ? item.items.map((i) => ({ product_id: i.product_id, quantity: String(i.quantity) })) : [],
    stock: item?.kind === "combo" && item.stock !== null ? String(item.stock) : "",
  };
}

function bodyOf(draft: Draft, kind: Kind): { body?: Record<string, unknown>; problem?: string } {
  const sizes: Size[] = [];
  for (const row of draft.sizes) {
    const cents = centsFromSoles(row.price);
    if (!row.size.trim() || cents === null) return { problem: "Cada tamaño necesita un nombre y un precio (por ejemplo 15.90)." };
    sizes.push({ size: row.size.trim(), price_cents: cents });
  }
  const common = {
    name: draft.name,
    description: draft.description,
    sizes,
    points: Number.parseInt(draft.points || "0", 10) || 0,
    available: draft.available,
  };
  if (kind === "producto") return { body: { ...common, category: draft.category.trim().toLowerCase() } };
  if (!draft.items.length) return { problem: "Un combo necesita al menos un producto." };
  const stock = draft.stock.trim() === "" ? null : Number.parseInt(draft.stock, 10);
  if (stock !== null && (Number.isNaN(stock) || stock < 0)) return { problem: "El stock es un número entero, o vacío si no se controla." };
  return {
    body: {
      ...common,
      items: draft.items.map((i) => ({ product_id: i.product_id, quantity: Number.parseInt(i.quantity, 10) || 1 })),
      stock,
    },
  };
}

function Editor({ kind, item, products, onSaved }: { kind: Kind; item: Item | null; products: Product[]; onSaved: (name: string) => void }) {
  const app = useApp();
  const [draft, setDraft] = useState(() => draftOf(item, kind));
  const [problem, setProblem] = useState<string | null>(null);
  const save = useAction(async () => {
    const { body, problem: invalid } = bodyOf(draft, kind);
    setProblem(invalid ?? null);
    if (!body) return;
    if (item) await app.api.put(`${RESOURCE[kind]}/${item.id}`, body);
    else await app.api.post(RESOURCE[kind], body);
    onSaved(draft.name);
  });
  const set = (change: Partial<Draft>) => setDraft({ ...draft, ...change });
  const setSize = (index: number, change: Partial<SizeRow>) => set({ sizes: draft.sizes.map((row, i) => (i === index ? { ...row, ...change } : row)) });
  return (
    <Form
      class="dialog__body stack"
      onSend={() => void save.run()}
    >
      <Field label="Nombre" name="name" value={draft.name} error={save.error?.fieldMessage("name")} onInput={(e) => set({ name: (e.target as HTMLInputElement).value })} />
      <TextArea label="Descripción" value={draft.description} maxLength={500} onInput={(e) => set({ description: (e.target as HTMLTextAreaElement).value })} />
      {kind === "producto" && (
        <Field
          label="Categoría"
          name="category"
          value={draft.category}
          hint="En minúsculas y sin tildes: hamburguesas, acompanamientos, bebidas, postres…"
          error={save.error?.fieldMessage("category")}
          onInput={(e) => set({ category: (e.target as HTMLInputElement).value })}
        />
      )}
      <fieldset>
        <legend>Tamaños y precios (S/)</legend>
        {draft.sizes.map((row, index) => (
          <div class="row size-row" key={index}>
            <Field label={`Tamaño ${index + 1}`} value={row.size} onInput={(e) => setSize(index, { size: (e.target as HTMLInputElement).value })} />
            <Field label={`Precio ${index + 1}`} inputMode="decimal" value={row.price} placeholder="15.90" onInput={(e) => setSize(index, { price: (e.target as HTMLInputElement).value })} />
            {draft.sizes.length > 1 && (
              <button type="button" class="button button--ghost" onClick={() => set({ sizes: draft.sizes.filter((_, i) => i !== index) })} aria-label={`Quitar tamaño ${index + 1}`}>
                Quitar
              </button>
            )}
          </div>
        ))}
        {draft.sizes.length < 6 && (
          <button type="button" class="button button--ghost" onClick={() => set({ sizes: [...draft.sizes, { size: "", price: "" }] })}>
            Agregar tamaño
          </button>
        )}
      </fieldset>
      {kind === "combo" && (
        <fieldset>
          <legend>Productos del combo</legend>
          {draft.items.map((row, index) => (
            <div class="row size-row" key={index}>
              <label class="field">
                <span>Producto {index + 1}</span>
                <select
                  value={row.product_id}
                  onChange={(e) => set({ items: draft.items.map((r, i) => (i === index ? { ...r, product_id: (e.target as HTMLSelectElement).value } : r)) })}
                >
                  {products.map((p) => (
                    <option key={p.product_id} value={p.product_id}>
                      {p.name}
                    </option>
                  ))}
                </select>
              </label>
              <Field
                label={`Cantidad ${index + 1}`}
                inputMode="numeric"
                value={row.quantity}
                onInput={(e) => set({ items: draft.items.map((r, i) => (i === index ? { ...r, quantity: (e.target as HTMLInputElement).value } : r)) })}
              />
              <button type="button" class="button button--ghost" onClick={() => set({ items: draft.items.filter((_, i) => i !== index) })}>
                Quitar
              </button>
            </div>
          ))}
          <button
            type="button"
            class="button button--ghost"
            onClick={() => set({ items: [...draft.items, { product_id: products[0]?.product_id ?? "", quantity: "1" }] })}
          >
            Agregar producto
          </button>
          <Field label="Stock (vacío: no se controla)" inputMode="numeric" value={draft.stock} onInput={(e) => set({ stock: (e.target as HTMLInputElement).value })} />
        </fieldset>
      )}
      <Field label="Puntos" inputMode="numeric" value={draft.points} onInput={(e) => set({ points: (e.target as HTMLInputElement).value })} />
      <label class="choice">
        <input type="checkbox" checked={draft.available} onChange={(e) => set({ available: (e.target as HTMLInputElement).checked })} />
        <span>A la venta (en todos los locales donde no esté agotado)</span>
      </label>
      {(problem || save.error) && <Notice kind="error">{problem ?? save.error?.message}</Notice>}
      <Button type="submit" busy={save.busy} busyLabel="Guardando…">
        Guardar
      </Button>
    </Form>
  );
}

function ItemCard({ item, locations, onChanged, onEdit }: { item: Item; locations: Location[]; onChanged: (message: string) => void; onEdit: () => void }) {
  const app = useApp();
  const [preview, setPreview] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [archiving, setArchiving] = useState(false);
  const path = `${RESOURCE[item.kind]}/${item.id}`;
  useEffect(() => setPreview(null), [item.image_url]); // the stored image, once the list is read again
  const toggle = async (location: Location, available: boolean) => {
    setProblem(null);
    try {
      await app.api.post(`${path}/disponibilidad`, { location_id: location.location_id, available });
      onChanged(`${item.name}: ${available ? "disponible" : "agotado"} en ${location.name}.`);
    } catch (caught) {
      setProblem(errorText(caught));
    }
  };
  const upload = async (file: File | undefined) => {
    setProblem(null);
    if (!file) return;
    if (!IMAGE_TYPES.includes(file.type)) return setProblem("La imagen debe ser JPG, PNG o WebP.");
    if (file.size > MAX_IMAGE_BYTES) return setProblem("La imagen pesa más de 2 MB.");
    setPreview(URL.createObjectURL(file));
    try {
      const target = await app.api.post<{ upload_url: string; headers: Record<string, string> }>(`${path}/imagen`, {
        content_type: file.type,
        content_length: file.size,
      });
      const headers = Object.fromEntries(Object.entries(target.headers).filter(([name]) => name.toLowerCase() !== "content-length"));
      const answer = await fetch(target.upload_url, { method: "PUT", headers, body: file });
      if (!answer.ok) throw new Error(`upload ${answer.status}`);
      onChanged(`Nueva imagen de ${item.name} guardada.`);
    } catch (caught) {
      setPreview(null);
      setProblem(caught instanceof Error && caught.message.startsWith("upload") ? "No se pudo subir la imagen. Inténtalo de nuevo." : errorText(caught));
    }
  };
  const archive = useAction(async () => {
    await app.api.delete(path);
    setArchiving(false);
    onChanged(`${item.name} salió de la carta.`);
  });
  const image = preview ?? item.image_url;
  return (
    <article class="card menu-admin__item" aria-label={item.name}>
      <div class="row menu-admin__head">
        {image ? <img src={image} alt={`Imagen de ${item.name}`} width={72} height={72} class="menu-admin__image" /> : <span class="menu-admin__image menu-admin__image--empty">Sin imagen</span>}
        <div>
          <h3>{item.name}</h3>
          <p class="small muted">
            {item.kind === "producto" ? categoryLabel(item.category) : `Combo${item.stock !== null ? ` · stock ${item.stock}` : ""}`} ·{" "}
            {item.sizes.map((s) => `${s.size} ${soles(s.price_cents)}`).join(" · ")}
          </p>
          {!item.available && <span class="pill pill--red">No está a la venta</span>}
        </div>
      </div>
      <fieldset class="menu-admin__places">
        <legend>Disponible en</legend>
        {locations.map((location) => (
          <label class="choice" key={location.location_id}>
            <input
              type="checkbox"
              checked={!item.unavailable_at.includes(location.location_id)}
              onChange={(e) => void toggle(location, (e.target as HTMLInputElement).checked)}
            />
            <span>{location.name}</span>
          </label>
        ))}
      </fieldset>
      {problem && <Notice kind="error">{problem}</Notice>}
      <div class="row row--tight">
        <Button variant="secondary" onClick={onEdit}>
          Editar
        </Button>
        <label class="button button--secondary file-button">
          Cambiar imagen
          <input type="file" accept={IMAGE_TYPES.join(",")} class="visually-hidden" onChange={(e) => void upload((e.target as HTMLInputElement).files?.[0])} />
        </label>
        <Button variant="ghost" onClick={() => setArchiving(true)}>
          Archivar
        </Button>
      </div>
      <Dialog title={`¿Archivar ${item.name}?`} open={archiving} onClose={() => setArchiving(false)}>
        <div class="dialog__body stack">
          <p>Sale de la carta de todos los locales y ya no se puede pedir. Los pedidos ya hechos lo conservan.</p>
          {archive.error && <Notice kind="error">{archive.error.message}</Notice>}
          <div class="row">
            <Button variant="danger" busy={archive.busy} onClick={() => void archive.run()}>
              Sí, archivar
            </Button>
            <Button variant="secondary" onClick={() => setArchiving(false)}>
              No
            </Button>
          </div>
        </div>
      </Dialog>
    </article>
  );
}

export function MenuAdmin() {
  const app = useApp();
  const locations = useLocations();
  const [kind, setKind] = useState<Kind>("producto");
  const [editing, setEditing] = useState<{ item: Item | null } | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const menu = useLoad(async () => {
    const [products, combos] = await Promise.all([
      app.api.all<Product>("producto", { query: { limit: 100 } }),
      app.api.all<Combo>("combos", { query: { limit: 100 } }),
    ]);
    return { products, combos };
  }, []);
  const changed = (text: string) => {
    setMessage(text);
    void menu.reload();
  };
  const items: Item[] = !menu.data
    ? []
    : kind === "producto"
      ? menu.data.products.map((p) => ({ ...p, kind: "producto" as const, id: p.product_id }))
      : menu.data.combos.map((c) => ({ ...c, kind: "combo" as const, id: c.combo_id }));
  return (
    <main id="contenido" class="stack">
      <div class="page-title">
        <h1>Carta</h1>
        <Button onClick={() => setEditing({ item: null })}>{kind === "producto" ? "Nuevo producto" : "Nuevo combo"}</Button>
      </div>
      <div class="tabs" role="tablist" aria-label="Tipo">
        <button type="button" role="tab" class="tab" aria-selected={kind === "producto"} onClick={() => setKind("producto")}>
          Productos
        </button>
        <button type="button" role="tab" class="tab" aria-selected={kind === "combo"} onClick={() => setKind("combo")}>
          Combos
        </button>
      </div>
      {message && <Notice kind="success">{message}</Notice>}
      {menu.error && <Notice kind="error">{menu.error}</Notice>}
      {!menu.data && !menu.error && <Loading />}
      <div class="grid menu-admin">
        {items.map((item) => (
          <ItemCard key={`${item.kind}:${item.id}`} item={item} locations={locations.data ?? []} onChanged={changed} onEdit={() => setEditing({ item })} />
        ))}
      </div>
      <Dialog
        title={editing?.item ? `Editar ${editing.item.name}` : kind === "producto" ? "Nuevo producto" : "Nuevo combo"}
        open={editing !== null}
        onClose={() => setEditing(null)}
      >
        {editing && (
          <Editor
            kind={editing.item?.kind ?? kind}
            item={editing.item}
            products={menu.data?.products ?? []}
            onSaved={(name) => {
              setEditing(null);
              changed(`Guardamos ${name}.`);
            }}
          />
        )}
      </Dialog>
    </main>
  );
}
