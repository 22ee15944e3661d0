/**
 * The staff messages of one screen (a board or the console), on that screen's live socket: the history
 * (GET /mensajes, re-read on every (re)connection, older pages on demand), the pushes (StaffMessage),
 * one's own sends (a frame with a client_id, answered by MessageSent or an error frame), and the unread
 * count against the last time the panel was open (kept per device and person).
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { errorText } from "../../../shared/hooks";
import type { LiveMessage } from "../../../shared/live";
import { StoredValue, randomId, useStore } from "../../../shared/store";
import { useApp } from "../context";
import {
  type FrameTo,
  type StaffMessage,
  frameBytes,
  latestAt,
  mergeMessages,
  messageFrame,
  readFrame,
  textProblem,
  unreadCount,
} from "./messages";

const PAGE = 20;
/** A send not answered by then is said to be unconfirmed (it may have gone: the history will tell). */
const CONFIRM_MS = 10_000;

export interface PendingSend {
  clientId: string;
  texto: string;
  to: FrameTo;
  label: string;
  problem: string | null;
}

export interface Messages {
  items: StaffMessage[];
  more: boolean;
  loading: boolean;
  error: string | null;
  /** An error frame that names no send of this screen. */
  notice: string | null;
  pending: PendingSend[];
  unread: number;
  /** The last message pushed by someone else, for the toast while the panel is closed. */
  arrived: StaffMessage | null;
  open: boolean;
  setOpen: (open: boolean) => void;
  /** An admin's history may add a location's roles' messages (GET /mensajes?location_id=); "" for their own. */
  scope: string;
  setScope: (locationId: string) => void;
  dismissArrived: () => void;
  /** A frame off the socket: true when it was the messages' (StaffMessage, MessageSent, error). */
  receive: (frame: LiveMessage) => boolean;
  reread: () => void;
  older: () => void;
  /** Send over the socket; the reason when it could not go (nothing was sent then). */
  send: (texto: string, to: FrameTo, label: string, write: (frame: object) => boolean) => string | null;
  /** Take a failed send off the list ("Quitar"). */
  drop: (clientId: string) => void;
  /** Send a failed one again, as a new frame (a new client_id); the reason when it could not go. */
  resend: (clientId: string, write: (frame: object) => boolean) => string | null;
}

export function useMessages(): Messages {
  const app = useApp();
  const session = useStore(app.sessions);
  const me = session?.subject_id ?? "";
  const lastRead = useMemo(() => new StoredValue<string | null>(`bembos.staff.${app.tenantId}.${me}.mensajes-leidos`, null), [me]);
  const readUpTo = useStore(lastRead);
  const [items, setItems] = useState<StaffMessage[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, setPending] = useState<PendingSend[]>([]);
  const [arrived, setArrived] = useState<StaffMessage | null>(null);
  const [open, setOpenState] = useState(false);
  const [scope, setScopeState] = useState("");
  const scopeRef = useRef(scope);
  const olderShown = useRef(false); // "Ver anteriores" was used: a re-read of the first page keeps its cursor
  const [now, setNow] = useState(Date.now());
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  const openRef = useRef(open);
  openRef.current = open;

  useEffect(() => {
    const clock = setInterval(() => setNow(Date.now()), 60_000); // the unread window moves on
    const pendingTimers = timers.current;
    return () => {
      clearInterval(clock);
      for (const timer of pendingTimers.values()) clearTimeout(timer);
    };
  }, []);
  // What the open panel shows is read.
  useEffect(() => {
    if (open) {
      const latest = latestAt(items, readUpTo);
      if (latest !== readUpTo) lastRead.set(latest);
    }
  }, [open, items]);

  const load = async (from: string | null) => {
    setLoading(true);
    const asked = scopeRef.current;
    try {
      const page = await app.api.get<{ items: StaffMessage[]; next_cursor: string | null }>("mensajes", {
        query: { limit: PAGE, cursor: from, location_id: asked || undefined },
      });
      if (asked !== scopeRef.current) return; // the admin chose another location meanwhile
      setItems((current) => mergeMessages(current, page.items));
      // The first page re-read on a reconnection keeps the older pages already shown (and their cursor).
      if (from) olderShown.current = true;
      if (from || !olderShown.current) setCursor(page.next_cursor);
      setError(null);
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setLoading(false);
    }
  };

  const settle = (clientId: string) => {
    const timer = timers.current.get(clientId);
    if (timer) clearTimeout(timer);
    timers.current.delete(clientId);
  };

  const receive = (frame: LiveMessage): boolean => {
    const meaning = readFrame(frame, me);
    if (!meaning) return false;
    if (meaning.kind === "message") {
      setItems((current) => mergeMessages(current, [meaning.message]));
      if (meaning.fromOther && !openRef.current) setArrived(meaning.message);
    } else if (meaning.kind === "sent") {
      settle(meaning.clientId);
      setPending((list) => list.filter((p) => p.clientId !== meaning.clientId));
      if (meaning.message) setItems((current) => mergeMessages(current, [meaning.message as StaffMessage]));
    } else if (meaning.clientId && pendingHas(meaning.clientId)) {
      settle(meaning.clientId);
      setPending((list) => list.map((p) => (p.clientId === meaning.clientId ? { ...p, problem: meaning.problem } : p)));
    } else {
      setNotice(meaning.problem);
    }
    return true;
  };
  const pendingRef = useRef(pending);
  pendingRef.current = pending;
  const pendingHas = (clientId: string) => pendingRef.current.some((p) => p.clientId === clientId);

  const send = (texto: string, to: FrameTo, label: string, write: (frame: object) => boolean): string | null => {
    const clientId = randomId();
    const frame = messageFrame(clientId, texto, to);
    const problem = textProblem(texto, frameBytes(frame));
    if (problem) return problem;
    if (!write(frame)) return "Sin conexión: el mensaje no se envió. Espera a que diga «En vivo» y vuelve a enviarlo.";
    setNotice(null);
    setPending((list) => [...list, { clientId, texto: frame.texto, to, label, problem: null }]);
    timers.current.set(
      clientId,
      setTimeout(() => {
        timers.current.delete(clientId);
        setPending((list) =>
          list.map((p) =>
            p.clientId === clientId ? { ...p, problem: "Sin confirmación del servidor. Revisa la lista antes de enviarlo otra vez." } : p,
          ),
        );
        void load(null); // it may have been stored: the history says
      }, CONFIRM_MS),
    );
    return null;
  };

  return {
    items,
    more: cursor !== null,
    loading,
    error,
    notice,
    pending,
    unread: open ? 0 : unreadCount(items, me, readUpTo, now),
    arrived,
    open,
    setOpen: (value) => {
      setOpenState(value);
      if (value) setArrived(null);
    },
    dismissArrived: () => setArrived(null),
    scope,
    setScope: (locationId) => {
      scopeRef.current = locationId;
      olderShown.current = false;
      setScopeState(locationId);
      setItems([]);
      setCursor(null);
      void load(null);
    },
    receive,
    reread: () => void load(null),
    older: () => void (cursor && load(cursor)),
    send,
    drop: (clientId) => {
      settle(clientId);
      setPending((list) => list.filter((p) => p.clientId !== clientId));
    },
    resend: (clientId, write) => {
      const failed = pendingRef.current.find((p) => p.clientId === clientId);
      if (!failed) return null;
      const refused = send(failed.texto, failed.to, failed.label, write);
      if (!refused) setPending((list) => list.filter((p) => p.clientId !== clientId));
      return refused;
    },
  };
}
