/** The pages shown when the app cannot start: no tenant in the address, an unknown tenant, no connection. */
export function BootProblem({
  kind,
  tenantId,
  app,
}: {
  kind: "no-tenant" | "unknown-tenant" | "offline";
  tenantId?: string;
  app: "customer" | "staff";
}) {
  return (
    <main id="contenido" class="narrow boot-problem">
      <div class="card stack">
        {kind === "no-tenant" && (
          <>
            <h1>Elige tu restaurante</h1>
            <p>
              Esta dirección no indica un restaurante. Abre el enlace que te compartió{" "}
              {app === "staff" ? "tu administrador" : "tu local Bembos"}, por ejemplo:
            </p>
            <p>
              <code>{`${location.origin}${import.meta.env.BASE_URL}bembos-miraflores`}</code>
            </p>
          </>
        )}
        {kind === "unknown-tenant" && (
          <>
            <h1>No encontramos este restaurante</h1>
            <p>
              La dirección <strong>{tenantId}</strong> no corresponde a ningún restaurante
              {app === "staff" ? " de la plataforma" : " que reciba pedidos en línea"}. Revisa el enlace o pídelo de nuevo.
            </p>
          </>
        )}
        {kind === "offline" && (
          <>
            <h1>No pudimos conectarnos</h1>
            <p>Revisa tu conexión a internet y vuelve a intentarlo.</p>
            <p>
              <button type="button" class="button button--primary" onClick={() => location.reload()}>
                Reintentar
              </button>
            </p>
          </>
        )}
      </div>
    </main>
  );
}
