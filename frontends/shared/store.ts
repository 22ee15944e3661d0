/** A value that screens subscribe to (the session, the cart, the chosen location). */
import { useEffect, useState } from "preact/hooks";

export interface Subscribable<T> {
  get(): T;
  subscribe(listener: () => void): () => void;
}

export function useStore<T>(store: Subscribable<T>): T {
  const [value, setValue] = useState(() => store.get());
  useEffect(() => {
    setValue(store.get());
    return store.subscribe(() => setValue(store.get()));
  }, [store]);
  return value;
}

/** A small value kept in localStorage under one key. */
export class StoredValue<T> implements Subscribable<T> {
  private listeners = new Set<() => void>();
  private value: T;

  constructor(
    private readonly key: string,
    private readonly fallback: T,
  ) {
    this.value = this.read();
  }

  get(): T {
    return this.value;
  }

  set(value: T): void {
    this.value = value;
    if (value === null || value === undefined) localStorage.removeItem(this.key);
    else localStorage.setItem(this.key, JSON.stringify(value));
    for (const listener of this.listeners) listener();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private read(): T {
    try {
      const raw = localStorage.getItem(this.key);
      return raw === null ? this.fallback : (JSON.parse(raw) as T);
    } catch {
      return this.fallback;
    }
  }
}

/** A random id for idempotency keys (crypto.randomUUID where the page is a secure context). */
export function randomId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
