/** Loading data for a screen: the value, the error (already in Spanish), and a way to load again. */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError, NETWORK_MESSAGE } from "./errors";

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => Promise<void>;
  set: (value: T) => void;
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return NETWORK_MESSAGE;
}

export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const run = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const value = await load();
      if (mine === generation.current) {
        setData(value);
        setError(null);
      }
    } catch (caught) {
      if (mine === generation.current) setError(errorText(caught));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, deps);
  useEffect(() => {
    void run();
  }, [run]);
  return { data, error, loading, reload: run, set: setData };
}

/** Run an action from a button: busy while it runs, its error kept for the form. */
export function useAction<A extends unknown[], T>(action: (...args: A) => Promise<T>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const running = useRef(false);
  const run = async (...args: A): Promise<T | undefined> => {
    if (running.current) return undefined; // a double click runs the action once
    running.current = true;
    setBusy(true);
    setError(null);
    try {
      return await action(...args);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught : new ApiError(0, "network", NETWORK_MESSAGE));
      return undefined;
    } finally {
      running.current = false;
      setBusy(false);
    }
  };
  return { run, busy, error, setError };
}
