/**
 * `config.json` is served by the app's own origin (an Amplify rewrite to `GET /config/{app}` in AWS,
 * the same route in the local cloud): the build carries no URL, so one build serves every stage.
 */
export interface AppConfig {
  app: "customer" | "staff";
  stage: string;
  api_url: string;
  websocket_url: string;
  mercadopago_sdk_url: string;
}

let loading: Promise<AppConfig> | null = null;

export function loadConfig(): Promise<AppConfig> {
  loading ??= fetch(`${import.meta.env.BASE_URL}config.json`, { cache: "no-store" }).then(async (answer) => {
    if (!answer.ok) throw new Error(`config.json: HTTP ${answer.status}`);
    return (await answer.json()) as AppConfig;
  });
  return loading;
}

/**
 * The tenant of this address: the first path segment after the app's base
 * (`/clientes/bembos-miraflores/...` -> `bembos-miraflores`). One Amplify app serves every tenant,
 * so a new tenant needs no new hosting resource.
 */
export function tenantFromPath(pathname: string, base: string = import.meta.env.BASE_URL): string | null {
  if (!pathname.startsWith(base)) return null;
  const first = pathname.slice(base.length).split("/")[0] ?? "";
  return /^[a-z0-9][a-z0-9-]{0,62}$/.test(first) ? first : null;
}
