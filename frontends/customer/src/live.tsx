/** The customer's live channel: their orders' status changes, while logged in. */
import type { LiveMessage, LiveStatus } from "../../shared/live";
import { useLive as useSharedLive } from "../../shared/useLive";
import { useApp } from "./context";

export { LiveBadge } from "../../shared/useLive";

export function useLive(onMessage: (message: LiveMessage) => void, onOpen: () => void): LiveStatus {
  const app = useApp();
  return useSharedLive(app.config.websocket_url, app.sessions, onMessage, onOpen);
}
