/** Boot: which tenant this address is, its config and profile, then the app (or a clear page why not). */
import "../../shared/styles.css";
import "./customer.css";
import { render } from "preact";
import { ApiClient, SessionStore } from "../../shared/api";
import { loadConfig, tenantFromPath } from "../../shared/config";
import { ApiError } from "../../shared/errors";
import { navigate, setRoot } from "../../shared/router";
import { StoredValue } from "../../shared/store";
import { App } from "./App";
import { CartStore, type Dispatch } from "./cart";
import type { Combo, Location, Product, TenantProfile } from "./catalog";
import type { CustomerApp, Menu } from "./context";
import { BootProblem } from "./pages/BootProblem";

const mount = document.getElementById("app") as HTMLElement;
mount.textContent = ""; // the static "Cargando…" of index.html, shown until this script runs

async function boot(): Promise<void> {
  const tenantId = tenantFromPath(location.pathname);
  if (!tenantId) {
    render(<BootProblem kind="no-tenant" />, mount);
    return;
  }
  setRoot(`${import.meta.env.BASE_URL}${tenantId}/`);
  const config = await loadConfig();
  const sessions = new SessionStore("customer", tenantId);
  const api = new ApiClient({
    baseUrl: config.api_url,
    tenantId,
    session: () => sessions.get(),
    onUnauthenticated: () => {
      sessions.set(null);
      // Already on the login page (a second request failed too): keep where it will send the customer back.
      if (location.pathname.endsWith("/ingresar")) return;
      navigate(`/ingresar?volver=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
    },
  });
  let tenant: TenantProfile;
  try {
    tenant = await api.get<TenantProfile>("tienda", { auth: false });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      render(<BootProblem kind="unknown-tenant" tenantId={tenantId} />, mount);
      return;
    }
    throw error;
  }
  document.title = `${tenant.name} · Pide en línea`;
  let menu: Menu | null = null;
  const app: CustomerApp = {
    config,
    tenant,
    api,
    sessions,
    cart: new CartStore(tenantId),
    location: new StoredValue<string | null>(`bembos.customer.${tenantId}.location`, null),
    dispatch: new StoredValue<Dispatch>(`bembos.customer.${tenantId}.dispatch`, "delivery"),
    address: new StoredValue<string>(`bembos.customer.${tenantId}.address`, ""),
    async loadMenu() {
      const [locations, products, combos] = await Promise.all([
        api.all<Location>("locales", { auth: false, query: { limit: 100 } }),
        api.all<Product>("producto", { auth: false, query: { limit: 100 } }),
        api.all<Combo>("combos", { auth: false, query: { limit: 100 } }),
      ]);
      menu = { locations, products, combos };
      return menu;
    },
    cachedMenu: () => menu,
  };
  render(<App app={app} />, mount);
}

boot().catch(() => render(<BootProblem kind="offline" />, mount));
