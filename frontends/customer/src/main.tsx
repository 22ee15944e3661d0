/** The customer app: started for the tenant of the address (see shared/boot), with its cart and menu. */
import "../../shared/styles.css";
import "./customer.css";
import { start } from "../../shared/boot";
import type { Combo, Location, Product } from "../../shared/catalog";
import { StoredValue } from "../../shared/store";
import { App } from "./App";
import { CartStore, type Dispatch } from "./cart";
import type { CustomerApp, Menu } from "./context";

void start("customer", ({ tenantId, config, api, sessions, tenant }) => {
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
  return <App app={app} />;
});
