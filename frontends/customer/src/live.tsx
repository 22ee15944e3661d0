/** The customer's live channel: their orders' status changes, while logged in. */
import { useEffect, useRef, useState } from "preact/hooks";
import { LiveConnection, type LiveMessage, type LiveStatus } from "../../shared/live";
import { useStore } from "../../shared/store";
import { useApp } from "./context";

/** Subscribe while mounted; `onOpen` runs on each (re)connection to re-read what the screen shows. */
export function useLive(onMessage: (message: LiveMessage) => void, onOpen: () => void): LiveStatus {
  const app = useApp();
  const session = useStore(app.sessions);
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const handlers = useRef({ onMessage, onOpen });
  handlers.current = { onMessage, onOpen };
  useEffect(() => {
    if (!session) return;
    const live = new LiveConnection({
      url: app.config.websocket_url,
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
