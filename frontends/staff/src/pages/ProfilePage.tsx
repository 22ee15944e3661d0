/** Each person's profile: who they are, and whether they get their role's e-mails (``/empleados/yo/preferencias``). */
import { useState } from "preact/hooks";
import { useAction, useLoad } from "../../../shared/hooks";
import { Link } from "../../../shared/router";
import { useStore } from "../../../shared/store";
import { Loading, Notice } from "../../../shared/ui";
import { useApp } from "../context";
import { ROLE_LABELS, type Rol, homeFor } from "../roles";

interface AlertPreferences {
  rol: Rol;
  email_alerts: boolean;
  /** The role's default (on for admins; off for the boards' roles, whose boards are live). */
  default: boolean;
  events: string[];
}

/** What each of the API's event names means for the person reading it. */
const EVENT_LABELS: Record<string, string> = {
  order_cancelled: "Cada pedido cancelado, con su motivo.",
  order_overdue: "Cada pedido vencido, en cualquier etapa y local.",
  complaint_filed: "Cada reclamo nuevo del Libro de Reclamaciones.",
  daily_summary: "Cada mañana, el resumen del día anterior por local: pedidos, recaudación y tiempo promedio por etapa.",
  order_entered_stage: "Cada pedido que entra a tu etapa en tu local.",
  order_overdue_in_stage: "Cada pedido vencido en tu etapa en tu local.",
};

export function ProfilePage() {
  const app = useApp();
  const session = useStore(app.sessions);
  const preferences = useLoad(() => app.api.get<AlertPreferences>("empleados/yo/preferencias"), []);
  const [saved, setSaved] = useState<boolean | null>(null);
  /** What the person just chose, shown at once while it is saved (the stored choice again if saving fails). */
  const [chosen, setChosen] = useState<boolean | null>(null);
  const save = useAction(async (on: boolean) => {
    setSaved(null);
    setChosen(on);
    try {
      preferences.set(await app.api.patch<AlertPreferences>("empleados/yo/preferencias", { email_alerts: on }));
      setSaved(on);
    } finally {
      setChosen(null);
    }
  });
  const data = preferences.data;
  const rol = (data?.rol ?? session?.rol ?? "") as Rol;
  return (
    <main id="contenido" class="narrow">
      <h1>Mi perfil</h1>
      <p class="muted">
        {session?.name ?? session?.email} · {ROLE_LABELS[rol] ?? rol}
      </p>
      <section class="card stack" aria-labelledby="correos-titulo">
        <h2 id="correos-titulo">Correos de tu rol</h2>
        {preferences.loading && !data && <Loading label="Cargando tus preferencias…" />}
        {preferences.error && <Notice kind="error">{preferences.error}</Notice>}
        {data && (
          <>
            <label class="choice">
              <input
                type="checkbox"
                checked={chosen ?? data.email_alerts}
                disabled={save.busy}
                onChange={(e) => void save.run((e.target as HTMLInputElement).checked)}
              />
              <span>Recibir estos correos{session?.email ? ` en ${session.email}` : ""}</span>
            </label>
            <ul>
              {data.events.map((event) => (
                <li key={event}>{EVENT_LABELS[event] ?? event}</li>
              ))}
            </ul>
            <p class="muted">Si no eliges, {data.default ? "los recibes" : "no los recibes"}: es lo habitual para tu rol.</p>
            {save.error && <Notice kind="error">{save.error.message}</Notice>}
            {saved !== null && (
              <Notice kind="success">{saved ? "Listo: recibirás estos correos." : "Listo: ya no recibirás estos correos."}</Notice>
            )}
          </>
        )}
      </section>
      <Link to={homeFor(rol)}>Volver a mi pantalla</Link>
    </main>
  );
}
