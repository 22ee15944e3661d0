/**
 * How both apps start: the tenant from the address, config.json, the API client with its session,
 * the tenant's storefront profile (`GET /tienda`); or a clear page saying why the app cannot start.
 */
import { type ComponentChild, render } from "preact";
import { ApiClient, SessionStore } from "./api";
import { BootProblem } from "./BootProblem";
import type { TenantProfile } from "./catalog";
import { type AppConfig, loadConfig, tenantFromPath } from "./config";
import { ApiError } from "./errors";
import { navigate, setRoot } from "./router";

export interface Started {
  tenantId: string;
  config: AppConfig;
  api: ApiClient;
  sessions: SessionStore;
  tenant: TenantProfile;
}

export const LOGIN_PATH = "/ingresar";

export async function start(app: "customer" | "staff", draw: (started: Started) => ComponentChild): Promise<void> {
  const mount = document.getElementById("app") as HTMLElement;
  mount.textContent = ""; // the static "Cargando…" of index.html, shown until this script runs
  try {
    const tenantId = tenantFromPath(location.pathname);
    if (!tenantId) {
      render(<BootProblem kind="no-tenant" app={app} />, mount);
      return;
    }
    setRoot(`${import.meta.env.BASE_URL}${tenantId}/`);
    const config = await loadConfig();
    const sessions = new SessionStore(app, tenantId);
    const api = new ApiClient({
      baseUrl: config.api_url,
      tenantId,
      session: () => sessions.get(),
      onUnauthenticated: () => {
        sessions.set(null);
        // Already on the login page (a second request failed too): keep where it will send the person back.
        if (location.pathname.endsWith(LOGIN_PATH)) return;
        navigate(`${LOGIN_PATH}?volver=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
      },
    });
    let tenant: TenantProfile;
    try {
      tenant = await api.get<TenantProfile>("tienda", { auth: false });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        render(<BootProblem kind="unknown-tenant" tenantId={tenantId} app={app} />, mount);
        return;
      }
      throw error;
    }
    render(draw({ tenantId, config, api, sessions, tenant }), mount);
  } catch {
    render(<BootProblem kind="offline" app={app} />, mount);
  }
}
