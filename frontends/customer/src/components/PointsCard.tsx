/** "Mis puntos" in the profile: the balance, and the ledger newest first, a page at a time. */
import { useEffect, useState } from "preact/hooks";
import { dateAndTime } from "../../../shared/dates";
import { errorText } from "../../../shared/hooks";
import { shortId } from "../../../shared/orders";
import { Button, Loading, Notice } from "../../../shared/ui";
import { useApp } from "../context";
import { type LedgerEntry, type PointsStatement, appendPage, movementLabel, pointsLabel, signedPoints } from "../points";

const PAGE = 10;

export function PointsCard() {
  const app = useApp();
  const [balance, setBalance] = useState<number | null>(null);
  const [entries, setEntries] = useState<LedgerEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = async (from: string | null) => {
    setBusy(true);
    try {
      const page = await app.api.get<PointsStatement>("perfil/puntos", { query: { limit: PAGE, cursor: from } });
      setBalance(page.balance);
      setEntries((shown) => (from ? appendPage(shown, page.items) : page.items));
      setCursor(page.next_cursor);
      setError(null);
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    void load(null);
  }, []);

  return (
    <section class="card stack" aria-labelledby="puntos">
      <h2 id="puntos">Mis puntos</h2>
      {error && <Notice kind="error">{error}</Notice>}
      {balance === null && !error && <Loading label="Cargando tus puntos…" />}
      {balance !== null && (
        <p class="points-balance" data-testid="points-balance">
          <strong>{pointsLabel(balance)}</strong>
        </p>
      )}
      {balance !== null && !entries.length && (
        <p class="small muted">Acumulas los puntos de cada producto y combo cuando recibes tu pedido.</p>
      )}
      {entries.length > 0 && (
        <ul class="points-ledger" aria-label="Movimientos de tus puntos">
          {entries.map((entry) => (
            <li key={`${entry.order_id}#${entry.movement}`} class="spread small">
              <span>
                {movementLabel(entry)} · Pedido {shortId(entry.order_id)}
                <span class="muted"> · {dateAndTime(entry.at)}</span>
              </span>
              <strong class="num">{signedPoints(entry.points)}</strong>
            </li>
          ))}
        </ul>
      )}
      {cursor && (
        <Button variant="secondary" busy={busy} busyLabel="Cargando…" onClick={() => void load(cursor)}>
          Ver más movimientos
        </Button>
      )}
    </section>
  );
}
