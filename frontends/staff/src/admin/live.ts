/** The admin console's one live channel, shared by its screens: each subscribes to the events it shows. */
import { createContext } from "preact";
import { useContext, useEffect, useRef } from "preact/hooks";
import type { LiveMessage } from "../../../shared/live";

export type Listener = (message: LiveMessage | null) => void; // null: (re)connected, re-read everything

export class AdminEvents {
  private listeners = new Set<Listener>();

  emit(message: LiveMessage | null): void {
    for (const listener of this.listeners) listener(message);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export const AdminEventsContext = createContext<AdminEvents | null>(null);

export function useAdminEvents(listener: Listener): void {
  const events = useContext(AdminEventsContext);
  const current = useRef(listener);
  current.current = listener;
  useEffect(() => events?.subscribe((message) => current.current(message)), [events]);
}
