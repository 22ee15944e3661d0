/**
 * The one API client of both web apps: base URL from config.json, the session token, the tenant
 * header on public calls, and every failure turned into an `ApiError` with a Spanish message.
 */
import { ApiError, NETWORK_MESSAGE, apiErrorFrom } from "./errors";

export interface Session {
  token: string;
  expires_at: number;
  kind: "customer" | "employee";
  rol: string;
  subject_id: string;
  location_id?: string | null;
  /** The account holder's name, to greet them. */
  name?: string | null;
  email?: string;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined | null>;
  idempotencyKey?: string;
  /** false: a public call (sends X-Tenant-Id, no token). Default: send the token when there is one. */
  auth?: boolean;
  signal?: AbortSignal;
}

export interface ApiClientOptions {
  baseUrl: string;
  tenantId: string;
  session: () => Session | null;
  /** Called on any 401 of an authenticated call: the session is over. */
  onUnauthenticated: () => void;
}

export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  get tenantId(): string {
    return this.options.tenantId;
  }

  url(path: string, query?: RequestOptions["query"]): string {
    const url = new URL(path.replace(/^\//, ""), this.options.baseUrl);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json", "X-Tenant-Id": this.options.tenantId };
    const session = options.auth === false ? null : this.options.session();
    if (session) headers.Authorization = `Bearer ${session.token}`;
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    if (options.idempotencyKey) headers["Idempotency-Key"] = options.idempotencyKey;
    let answer: Response;
    try {
      answer = await fetch(this.url(path, options.query), {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
      });
    } catch (error) {
      if ((error as Error).name === "AbortError") throw error;
      throw new ApiError(0, "network", NETWORK_MESSAGE);
    }
    const text = await answer.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (!answer.ok) {
      if (answer.status === 401 && session) this.options.onUnauthenticated();
      throw apiErrorFrom(answer.status, body);
    }
    return body as T;
  }

  get<T>(path: string, options?: RequestOptions): Promise<T> {
    return this.request<T>("GET", path, options);
  }

  /** POST with a JSON body, or with none when `body` is undefined. */
  post<T>(path: string, body?: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>("POST", path, { ...options, body });
  }

  put<T>(path: string, body: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>("PUT", path, { ...options, body });
  }

  patch<T>(path: string, body: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>("PATCH", path, { ...options, body });
  }

  delete<T>(path: string, options?: RequestOptions): Promise<T> {
    return this.request<T>("DELETE", path, options);
  }

  /** Every page of a cursor-paginated list (`items`, `next_cursor`), up to `maxPages`. */
  async all<T>(path: string, options: RequestOptions = {}, maxPages = 20): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < maxPages; page += 1) {
      const query: RequestOptions["query"] = { ...options.query, cursor };
      const answer: { items: T[]; next_cursor: string | null } = await this.get(path, { ...options, query });
      items.push(...answer.items);
      cursor = answer.next_cursor;
      if (!cursor) break;
    }
    return items;
  }
}

/** Where a session is kept: per tenant, so two tenants' apps in one browser never mix. */
export class SessionStore {
  private readonly key: string;
  private listeners = new Set<() => void>();

  constructor(app: string, tenantId: string) {
    this.key = `bembos.${app}.${tenantId}.session`;
    window.addEventListener("storage", (event) => {
      if (event.key === this.key) this.emit();
    });
  }

  private raw: string | null = null;
  private parsed: Session | null = null;

  /** The session, the same object until it changes (screens compare it to know when to load again). */
  get(): Session | null {
    const raw = localStorage.getItem(this.key);
    if (raw !== this.raw) {
      this.raw = raw;
      try {
        this.parsed = JSON.parse(raw ?? "null") as Session | null;
      } catch {
        this.parsed = null; // a corrupt entry is no session
      }
    }
    return this.parsed && this.parsed.expires_at * 1000 > Date.now() ? this.parsed : null;
  }

  set(session: Session | null): void {
    if (session) localStorage.setItem(this.key, JSON.stringify(session));
    else localStorage.removeItem(this.key);
    this.emit();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}
