/** Subscribe a screen to the WebSocket while it is shown (both apps): messages, re-reads on (re)connection. */
import { useEffect, useRef, useState } from "preact/hooks";
import type { SessionStore } from "./api";
import { LiveConnection, type LiveMessage, type LiveStatus } from "./live";
import { useStore } from "./store";

/** `onOpen` runs on each (re)connection so the screen re-reads what it shows: a push missed while offline is not lost. */
export function useLive(
  url: string,
  sessions: SessionStore,
  onMessage: (message: LiveMessage) => void,
  onOpen: () => void,
): LiveStatus {
  const session = useStore(sessions);
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const handlers = useRef({ onMessage, onOpen });
  handlers.current = { onMessage, onOpen };
  useEffect(() => {
    if (!session) return;
    const live = new LiveConnection({
      url,
      token: session.token,
      onMessage: (message) => handlers.current.onMessage(message),
      onOpen: () => handlers.current.onOpen(),
      onStatus: setStatus,
    }).start();
    return () => live.stop();
  }, [session?.token]);
  return status;
}

export function LiveBadge({ status }: { status: LiveStatus }) {
  return (
    <span class={`live live--${status}`} role="status">
      {status === "open" ? "En vivo" : "Reconectando…"}
    </span>
  );
}
