/**
 * Sockets end with the session: the platform closes a person's sockets when they log out elsewhere, are
 * deactivated or change role or location. When a screen's socket drops, ask the API whose the session is
 * (GET /sesion, at most every 30 s): a 401 ends the session here too (the API client sends the person to log
 * in), instead of a board that keeps reconnecting with a token that no longer opens anything.
 */
import { useEffect, useRef } from "preact/hooks";
import type { LiveStatus } from "../../shared/live";
import { useApp } from "./context";

const EVERY_MS = 30_000;

export function useSessionCheckOnDrop(status: LiveStatus): void {
  const app = useApp();
  const last = useRef(0);
  useEffect(() => {
    if (status !== "closed" || Date.now() - last.current < EVERY_MS) return;
    last.current = Date.now();
    app.api.get("sesion").catch(() => undefined); // offline: the socket's own retries go on
  }, [status]);
}
