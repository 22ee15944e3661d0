/** Subscribe a screen to the WebSocket while it is shown (both apps): messages, re-reads on (re)connection. */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
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
  return useLiveChannel(url, sessions, onMessage, onOpen).status;
}

export interface LiveChannel {
  status: LiveStatus;
  /** Write a frame on the open connection; false when it is not open (see LiveConnection.send). */
  send: (frame: object) => boolean;
}

/** `useLive` for a screen that also writes frames (the staff messages): its status and a `send`. */
export function useLiveChannel(
  url: string,
  sessions: SessionStore,
  onMessage: (message: LiveMessage) => void,
  onOpen: () => void,
): LiveChannel {
  const session = useStore(sessions);
  const [status, setStatus] = useState<LiveStatus>("connecting");
  const handlers = useRef({ onMessage, onOpen });
  handlers.current = { onMessage, onOpen };
  const connection = useRef<LiveConnection | null>(null);
  useEffect(() => {
    if (!session) return;
    const live = new LiveConnection({
      url,
      token: session.token,
      onMessage: (message) => handlers.current.onMessage(message),
      onOpen: () => handlers.current.onOpen(),
      onStatus: setStatus,
    }).start();
    connection.current = live;
    return () => {
      live.stop();
      if (connection.current === live) connection.current = null;
    };
  }, [session?.token]);
  const send = useCallback((frame: object) => connection.current?.send(frame) ?? false, []);
  return { status, send };
}

export function LiveBadge({ status }: { status: LiveStatus }) {
  return (
    <span class={`live live--${status}`} role="status">
      {status === "open" ? "En vivo" : "Reconectando…"}
    </span>
  );
}
