/** What the catalog API returns, and how the menu reads it for one location. */
export interface Size {
  size: string;
  price_cents: number;
}

interface Sellable {
  name: string;
  description: string;
  sizes: Size[];
  points: number;
  available: boolean;
  unavailable_at: string[];
  image_url: string | null;
}

export interface Product extends Sellable {
  product_id: string;
  category: string;
}

export interface Combo extends Sellable {
  combo_id: string;
  items: { product_id: string; quantity: number }[];
  stock: number | null;
}

export interface Location {
  location_id: string;
  name: string;
  address: string;
  district: string;
  lat: number;
  lng: number;
  phone: string;
  dispatch_types: ("delivery" | "pickup")[];
  opening_hours: Record<string, string>;
  paused: boolean;
}

export interface TenantProfile {
  tenant_id: string;
  name: string;
  currency: "PEN";
  delivery_fee_cents: number;
  mercadopago_public_key: string | null;
  sla_minutes: { cocina: number; empaquetamiento: number; delivery: number };
}

export type Kind = "producto" | "combo";

/** One card of the menu: a product or a combo, as the menu screen shows it. */
export interface MenuItem {
  kind: Kind;
  id: string;
  name: string;
  description: string;
  category: string;
  sizes: Size[];
  points: number;
  image_url: string | null;
  /** Why it cannot be ordered at the chosen location now, or null. */
  unavailable: string | null;
}

export const COMBOS_CATEGORY = "combos";

const CATEGORY_LABELS: Record<string, string> = {
  combos: "Combos",
  hamburguesas: "Hamburguesas",
  acompanamientos: "Acompañamientos",
  bebidas: "Bebidas",
  postres: "Postres",
};

export function categoryLabel(category: string): string {
  if (CATEGORY_LABELS[category]) return CATEGORY_LABELS[category];
  const words = category.replace(/-/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function unavailableReason(item: Sellable, locationId: string | null, stock?: number | null): string | null {
  if (!item.available) return "No disponible por ahora";
  if (locationId && item.unavailable_at.includes(locationId)) return "No disponible en este local";
  if (stock === 0) return "Agotado";
  return null;
}

export function menuItems(products: Product[], combos: Combo[], locationId: string | null): MenuItem[] {
  const fromCombos = combos.map<MenuItem>((combo) => ({
    kind: "combo",
    id: combo.combo_id,
    name: combo.name,
    description: combo.description,
    category: COMBOS_CATEGORY,
    sizes: combo.sizes,
    points: combo.points,
    image_url: combo.image_url,
    unavailable: unavailableReason(combo, locationId, combo.stock),
  }));
  const fromProducts = products.map<MenuItem>((product) => ({
    kind: "producto",
    id: product.product_id,
    name: product.name,
    description: product.description,
    category: product.category,
    sizes: product.sizes,
    points: product.points,
    image_url: product.image_url,
    unavailable: unavailableReason(product, locationId),
  }));
  return [...fromCombos, ...fromProducts];
}

const CATEGORY_ORDER = ["combos", "hamburguesas", "acompanamientos", "bebidas", "postres"];

/** Categories in menu order: the usual ones first (combos, burgers, sides, drinks, desserts), then the rest A-Z. */
export function categories(items: MenuItem[]): string[] {
  const rank = (category: string) => {
    const index = CATEGORY_ORDER.indexOf(category);
    return index === -1 ? CATEGORY_ORDER.length : index;
  };
  return [...new Set(items.map((item) => item.category))].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b, "es"));
}

export function lowestPrice(item: { sizes: Size[] }): number {
  return Math.min(...item.sizes.map((size) => size.price_cents));
}

const DAY_LABELS: Record<string, string> = {
  lun: "Lunes",
  mar: "Martes",
  mie: "Miércoles",
  jue: "Jueves",
  vie: "Viernes",
  sab: "Sábado",
  dom: "Domingo",
};

export function dayLabel(day: string): string {
  return DAY_LABELS[day] ?? day;
}

export const DAYS = Object.keys(DAY_LABELS);

/*
 * Opening hours, read as the server reads them (services/pedidos/hours.py): Lima time (UTC-5 all year),
 * `{"lun": "11:00-23:00"}`, a missing day is closed, a span that closes at or before it opens runs past
 * midnight into the next day. Orders outside them are refused (409 location_closed); the app says so first.
 */
const DAY_KEYS = ["lun", "mar", "mie", "jue", "vie", "sab", "dom"];
const DAY_NAMES = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"];
const LIMA_OFFSET_MS = -5 * 3600_000;
const DAY_MS = 86_400_000;

function minutes(clock: string): number {
  const [h, m] = clock.split(":").map(Number);
  return h * 60 + m;
}

/** The day's open and close instants (ms), for the Lima day starting at `midnight` (ms, UTC clock shifted to Lima). */
function span(hours: string, midnight: number): [number, number] {
  const [open, close] = hours.split("-").map(minutes);
  return [midnight + open * 60_000, midnight + (close <= open ? close + 1440 : close) * 60_000];
}

/** A Lima day (0 = today, -1 = yesterday...): its weekday index (Monday 0) and its midnight, in Lima-shifted ms. */
function limaDayAt(at: Date, offset: number): { index: number; midnight: number } {
  const local = at.getTime() + LIMA_OFFSET_MS;
  const midnight = Math.floor(local / DAY_MS) * DAY_MS + offset * DAY_MS;
  return { index: (new Date(midnight).getUTCDay() + 6) % 7, midnight };
}

/** Whether the location takes orders at `at` by its hours (paused is separate). */
export function openNow(hours: Record<string, string>, at: Date = new Date()): boolean {
  const local = at.getTime() + LIMA_OFFSET_MS;
  return [-1, 0].some((offset) => {
    const day = limaDayAt(at, offset);
    const today = hours[DAY_KEYS[day.index]];
    if (!today) return false;
    const [open, close] = span(today, day.midnight);
    return open <= local && local < close;
  });
}

/** When it opens next: `hoy a las 11:00`, `mañana a las 11:00`, `el sábado a las 12:00`; null with no hours at all. */
export function nextOpening(hours: Record<string, string>, at: Date = new Date()): string | null {
  const local = at.getTime() + LIMA_OFFSET_MS;
  for (let offset = 0; offset < 8; offset++) {
    const day = limaDayAt(at, offset);
    const today = hours[DAY_KEYS[day.index]];
    if (!today) continue;
    const [open] = span(today, day.midnight);
    if (open <= local) continue;
    const time = today.split("-")[0];
    if (offset === 0) return `hoy a las ${time}`;
    if (offset === 1) return `mañana a las ${time}`;
    return `el ${DAY_NAMES[day.index]} a las ${time}`;
  }
  return null;
}
