/** What every customer screen reaches: config, the tenant, the API client, the session, the cart. */
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { ApiClient, SessionStore } from "../../shared/api";
import type { AppConfig } from "../../shared/config";
import type { StoredValue } from "../../shared/store";
import type { CartStore, Dispatch } from "./cart";
import type { Combo, Location, Product, TenantProfile } from "../../shared/catalog";

export interface Menu {
  locations: Location[];
  products: Product[];
  combos: Combo[];
}

export interface CustomerApp {
  config: AppConfig;
  tenant: TenantProfile;
  api: ApiClient;
  sessions: SessionStore;
  cart: CartStore;
  /** The location the customer orders from (its id), kept across visits. */
  location: StoredValue<string | null>;
  /** Delivery or pickup, chosen in the cart. */
  dispatch: StoredValue<Dispatch>;
  /** The last delivery address typed, offered again at the next checkout. */
  address: StoredValue<string>;
  /** The menu of the tenant: read on start and re-read when the menu screen opens. */
  loadMenu(): Promise<Menu>;
  cachedMenu(): Menu | null;
}

export const AppContext = createContext<CustomerApp | null>(null);

export function useApp(): CustomerApp {
  const app = useContext(AppContext);
  if (!app) throw new Error("AppContext missing");
  return app;
}
