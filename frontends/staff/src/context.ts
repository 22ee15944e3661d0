/** What every staff screen reaches: config, the tenant, the API client, the session, preferences. */
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { ApiClient, SessionStore } from "../../shared/api";
import type { TenantProfile } from "../../shared/catalog";
import type { AppConfig } from "../../shared/config";
import type { StoredValue } from "../../shared/store";

export interface StaffApp {
  tenantId: string;
  config: AppConfig;
  tenant: TenantProfile;
  api: ApiClient;
  sessions: SessionStore;
  /** A new ticket on a board beeps unless the person turned sound off (kept per device). */
  sound: StoredValue<boolean>;
}

export const AppContext = createContext<StaffApp | null>(null);

/** A place in the top bar (sticky, on every screen) where a screen puts its "Mensajes" button; null until drawn. */
export const TopbarSlot = createContext<HTMLElement | null>(null);

export function useApp(): StaffApp {
  const app = useContext(AppContext);
  if (!app) throw new Error("AppContext missing");
  return app;
}
