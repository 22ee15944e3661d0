/**
 * The one WebSocket client: connects with the session token, keeps the connection alive, reconnects
 * with backoff after a drop, and calls `onOpen` on every (re)connection so the screen re-reads what it
 * shows: nothing pushed while the socket was down is missed. `send` writes a frame (the staff messages'
 * `{"action": "mensaje", ...}`) on the open connection; it says false when there is none, and never queues:
 * a frame kept for later could go out twice, so the screen says it was not sent and the person decides.
 */
export type LiveStatus = "connecting" | "open" | "closed";

export interface LiveMessage {
  type: string;
  order_id?: string;
  location_id?: string;
  estado_pedido?: string;
  previous?: string;
  at?: string;
  reason?: string;
  dispatch?: string;
  [key: string]: unknown;
}

export interface LiveOptions {
  url: string;
  token: string;
  onMessage: (message: LiveMessage) => void;
  onOpen?: () => void;
  onStatus?: (status: LiveStatus) => void;
  /** Injected by tests; the browser's WebSocket otherwise. */
  socketFactory?: (url: string) => WebSocket;
  keepaliveMs?: number;
  maxBackoffMs?: number;
}

const KEEPALIVE_MS = 4 * 60 * 1000; // API Gateway closes a WebSocket idle for 10 minutes
const FIRST_BACKOFF_MS = 500;

export function backoffDelay(attempt: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, FIRST_BACKOFF_MS * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export class LiveConnection {
  private socket: WebSocket | null = null;
  private attempts = 0;
  private stopped = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private keepaliveTimer: ReturnType<typeof setInterval> | null = null;
  private readonly reconnectNow = () => {
    if (!this.stopped && (!this.socket || this.socket.readyState === WebSocket.CLOSED)) this.open();
  };

  constructor(private readonly options: LiveOptions) {}

  start(): this {
    this.stopped = false;
    window.addEventListener("online", this.reconnectNow);
    this.open();
    return this;
  }

  stop(): void {
    this.stopped = true;
    window.removeEventListener("online", this.reconnectNow);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.socket?.close();
    this.socket = null;
  }

  /** Send one frame (JSON) now; false when the connection is not open (nothing sent, nothing kept). */
  send(frame: object): boolean {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  private open(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.options.onStatus?.("connecting");
    const url = `${this.options.url}?token=${encodeURIComponent(this.options.token)}`;
    const socket = this.options.socketFactory ? this.options.socketFactory(url) : new WebSocket(url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempts = 0;
      this.options.onStatus?.("open");
      this.keepalive();
      this.options.onOpen?.();
    };
    socket.onmessage = (event: MessageEvent) => {
      let message: LiveMessage;
      try {
        message = JSON.parse(String(event.data)) as LiveMessage;
      } catch {
        return;
      }
      if (message.type !== "pong") this.options.onMessage(message);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
      this.options.onStatus?.("closed");
      if (this.stopped) return;
      const delay = backoffDelay(this.attempts, this.options.maxBackoffMs ?? 30_000);
      this.attempts += 1;
      this.retryTimer = setTimeout(() => this.open(), delay);
    };
    socket.onerror = () => socket.close();
  }

  private keepalive(): void {
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = setInterval(() => {
      if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ action: "ping" }));
    }, this.options.keepaliveMs ?? KEEPALIVE_MS);
  }
}
