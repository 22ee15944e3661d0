/**
 * The admin's metrics dashboard: orders, sales and each stage's times against the tenant's limits for a
 * location (or all of them) and a range of Lima days, the days' evolution, orders per hour, the staff
 * ranking and the cancellations' reasons. The filters live in the address (a reload or a shared link
 * keeps them); the three metrics calls (GET /metricas, /metricas/empleados, /metricas/horas) load side
 * by side. This screen and its charts (uPlot) are a chunk of their own, fetched when an admin opens it
 * (see ``App``): the boards never download them.
 */
import "./metrics.css";
import type { ComponentChildren } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { clock, limaDay } from "../../../shared/dates";
import { type Loaded, useLoad } from "../../../shared/hooks";
import { soles } from "../../../shared/money";
import { navigate, useLocation } from "../../../shared/router";
import { Form, Loading, Notice } from "../../../shared/ui";
import { useApp } from "../context";
import type { Stage } from "../roles";
import { LocationSelect, useLocations } from "./common";
import { HoursChart, StageChart } from "./MetricsCharts";
import {
  type EmployeesAnswer,
  type Filters,
  type HoursAnswer,
  type MetricsSummary,
  RANGES,
  type RangeKey,
  SLA_TEXT,
  STAGES,
  type StageMetrics,
  apiQuery,
  barWidths,
  cancellationReason,
  count,
  dayWithWeekday,
  duration,
  filtersFromQuery,
  hourSeries,
  hourSpan,
  hoursSummary,
  isEmpty,
  presetRange,
  queryFromFilters,
  quoteAccuracyNote,
  quoteAccuracyText,
  rangeText,
  share,
  slaLevel,
  slaText,
  stageName,
  stageSeries,
  stageSeriesSummary,
} from "./metrics";

const PATH = "/admin/metricas";

// -- the filters -------------------------------------------------------------------------------------

function FilterBar({ filters, today, onChange }: { filters: Filters; today: string; onChange: (next: Filters) => void }) {
  const pickRange = (range: RangeKey) => {
    if (range === "personalizado") onChange({ ...filters, range }); // starts from the days on screen
    else onChange({ ...filters, range, ...presetRange(range, today) });
  };
  return (
    <Form class="filters card" onSend={() => undefined /* the filters apply as they change */} aria-label="Filtros">
      <LocationSelect value={filters.local} allLabel="Todos los locales" onChange={(local) => onChange({ ...filters, local })} />
      <label class="field">
        <span>Rango</span>
        <select value={filters.range} onChange={(e) => pickRange((e.target as HTMLSelectElement).value as RangeKey)}>
          {RANGES.map((r) => (
            <option key={r.key} value={r.key}>
              {r.label}
            </option>
          ))}
        </select>
      </label>
      {filters.range === "personalizado" && (
        <>
          <label class="field">
            <span>Desde</span>
            <input type="date" value={filters.from} max={today} onChange={(e) => onChange({ ...filters, from: (e.target as HTMLInputElement).value })} />
          </label>
          <label class="field">
            <span>Hasta</span>
            <input type="date" value={filters.to} max={today} onChange={(e) => onChange({ ...filters, to: (e.target as HTMLInputElement).value })} />
          </label>
        </>
      )}
    </Form>
  );
}

// -- the sections ------------------------------------------------------------------------------------

function Section({ id, title, children, aside }: { id: string; title: string; children: ComponentChildren; aside?: ComponentChildren }) {
  return (
    <section class="card metrics__section" aria-labelledby={id}>
      <div class="spread metrics__section-head">
        <h2 id={id}>{title}</h2>
        {aside}
      </div>
      {children}
    </section>
  );
}

function Problem({ loaded }: { loaded: Pick<Loaded<unknown>, "error" | "reload"> }) {
  return (
    <Notice kind="error">
      {loaded.error}{" "}
      <button type="button" class="button button--ghost" onClick={() => void loaded.reload()}>
        Reintentar
      </button>
    </Notice>
  );
}

function OrderStats({ summary }: { summary: MetricsSummary }) {
  const { orders } = summary;
  const stats: [string, string, string?][] = [
    ["Pagados", count(orders.paid)],
    ["Entregados", count(orders.delivered)],
    // The API's `cancelled` counts paid (refunded) orders only; the list of reasons below has the unpaid ones too.
    ["Cancelados tras pagar", count(orders.cancelled)],
    ["Alertas de atraso", count(orders.overdue), orders.overdue > 0 ? "stat--warn" : undefined],
    ["Ventas", soles(summary.revenue_cents)],
    ["Ticket promedio", summary.average_ticket_cents === null ? "—" : soles(summary.average_ticket_cents)],
  ];
  const accuracy = quoteAccuracyNote(summary.quote);
  return (
    <section aria-labelledby="pedidos-ventas">
      <h2 id="pedidos-ventas" class="visually-hidden">
        Pedidos y ventas
      </h2>
      <dl class="stats">
        {stats.map(([label, value, extra]) => (
          <div class={`card stat ${extra ?? ""}`} key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
        <div class="card stat">
          <dt>Error de la hora estimada</dt>
          <dd>
            {quoteAccuracyText(summary.quote)}
            <span class="small muted stat__note">{accuracy}</span>
          </dd>
        </div>
      </dl>
    </section>
  );
}

const LEVEL_CLASS = { none: "", ok: "pill--green", some: "pill--amber", over: "pill--red" } as const;

function StageCard({ stage }: { stage: StageMetrics }) {
  const level = slaLevel(stage);
  const over = (seconds: number | null) => seconds !== null && seconds > stage.sla_seconds;
  const id = `etapa-${stage.stage.toLowerCase()}`;
  return (
    <article class={`card stage stage--${level}`} aria-labelledby={id}>
      <h3 id={id}>{stageName(stage.stage)}</h3>
      <span class={`pill ${LEVEL_CLASS[level]}`}>{SLA_TEXT[level]}</span>
      <dl class="stage__numbers">
        <div>
          <dt>Promedio</dt>
          <dd class={over(stage.avg_seconds) ? "over" : undefined}>{duration(stage.avg_seconds)}</dd>
        </div>
        <div>
          <dt>p90 (9 de cada 10)</dt>
          <dd class={over(stage.p90_seconds) ? "over" : undefined}>{duration(stage.p90_seconds)}</dd>
        </div>
        <div>
          <dt>Límite</dt>
          <dd>{slaText(stage.sla_seconds)}</dd>
        </div>
      </dl>
      <p class="small muted stage__counts">
        {count(stage.completed)} completados de {count(stage.entered)} que entraron · {count(stage.overdue)}{" "}
        {stage.overdue === 1 ? "alerta" : "alertas"} de atraso
      </p>
    </article>
  );
}

function DataTable({ caption, head, rows }: { caption: string; head: string[]; rows: (string | number)[][] }) {
  return (
    <details class="chart-data">
      <summary>Ver los números</summary>
      <div class="table-wrap" tabIndex={0} role="region" aria-label={caption}>
        <table>
          <caption class="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              {head.map((h, i) => (
                <th scope="col" key={h} class={i ? "num" : undefined}>
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={String(row[0])}>
                {row.map((cell, i) => (i === 0 ? <th scope="row" key={i}>{cell}</th> : <td class="num" key={i}>{cell}</td>))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

function DailyTimes({ summary }: { summary: MetricsSummary }) {
  const series = useMemo(() => STAGES.map((stage) => stageSeries(summary, stage)), [summary]);
  if (summary.days.length < 2) {
    return (
      <Section id="por-dia" title="Tiempos por día">
        <p class="muted">Elige un rango de varios días para ver cómo cambian los tiempos de cada etapa.</p>
      </Section>
    );
  }
  return (
    <Section id="por-dia" title="Tiempos por día">
      <div class="metrics__charts">
        {series.map((s) => (
          <figure class="metrics__figure" key={s.stage}>
            <figcaption>
              <strong>{stageName(s.stage)}</strong> <span class="small muted">· límite {slaText(s.slaMinutes * 60)}</span>
            </figcaption>
            <StageChart series={s} label={stageSeriesSummary(s)} />
            <DataTable
              caption={`${stageName(s.stage)}: tiempos por día`}
              head={["Día", "Completados", "Promedio", "p90"]}
              rows={summary.days.map((day) => {
                const d = day.stages[s.stage as Stage];
                return [dayWithWeekday(day.date), count(d?.completed ?? 0), duration(d?.avg_seconds), duration(d?.p90_seconds)];
              })}
            />
          </figure>
        ))}
      </div>
    </Section>
  );
}

function Hours({ loaded }: { loaded: Loaded<HoursAnswer> }) {
  const series = useMemo(() => (loaded.data ? hourSeries(loaded.data) : null), [loaded.data]);
  return (
    <Section id="por-hora" title="Pedidos por hora">
      {loaded.error && <Problem loaded={loaded} />}
      {!series && !loaded.error && <Loading label="Cargando pedidos por hora…" />}
      {series && (
        <figure class="metrics__figure">
          <figcaption class="small muted">
            Pedidos pagados en cada hora del día (hora de Lima){loaded.data?.from === loaded.data?.to ? "." : ", sumando los días del rango."}
          </figcaption>
          <HoursChart orders={series.orders} label={hoursSummary(series.orders)} />
          <DataTable
            caption="Pedidos por hora"
            head={["Hora", "Pedidos", "Ventas"]}
            rows={series.hours.filter((h) => series.orders[h] > 0).map((h) => [hourSpan(h), count(series.orders[h]), soles(series.revenue[h])])}
          />
        </figure>
      )}
    </Section>
  );
}

function Ranking({ loaded }: { loaded: Loaded<EmployeesAnswer> }) {
  const [stage, setStage] = useState<Stage | "">("");
  const people = (loaded.data?.employees ?? []).filter((e) => !stage || e.stage === stage);
  const widths = barWidths(people.map((e) => e.completed));
  const picker = (
    <label class="field metrics__stage-picker">
      <span>Etapa</span>
      <select value={stage} onChange={(e) => setStage((e.target as HTMLSelectElement).value as Stage | "")}>
        <option value="">Todas</option>
        {STAGES.map((s) => (
          <option key={s} value={s}>
            {stageName(s)}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <Section id="personal" title="Ranking del personal" aside={picker}>
      {loaded.error && <Problem loaded={loaded} />}
      {!loaded.data && !loaded.error && <Loading label="Cargando el ranking…" />}
      {loaded.data && !people.length && (
        <p class="muted">{stage ? `Nadie completó pedidos de ${stageName(stage)} en este rango.` : "Nadie completó una etapa en este rango."}</p>
      )}
      {people.length > 0 && (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Ranking del personal">
          <table class="ranking">
            <caption class="visually-hidden">Ranking del personal: pedidos completados y tiempos</caption>
            <thead>
              <tr>
                <th scope="col">Persona</th>
                <th scope="col">Completados</th>
                <th scope="col" class="num">Promedio</th>
                <th scope="col" class="num">p90</th>
                <th scope="col" class="num">Atrasos</th>
              </tr>
            </thead>
            <tbody>
              {people.map((e, i) => (
                <tr key={`${e.employee_id}-${e.stage}`}>
                  <th scope="row">
                    {e.name}
                    <span class="ranking__stage small muted">{stageName(e.stage)}</span>
                  </th>
                  <td data-label="Completados">
                    <BarCell value={e.completed} width={widths[i]} />
                  </td>
                  <td class="num" data-label="Promedio">
                    {duration(e.avg_seconds)}
                  </td>
                  <td class="num" data-label="p90">
                    {duration(e.p90_seconds)}
                  </td>
                  <td class="num" data-label="Atrasos">
                    {count(e.overdue)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}

/** A count with an inline bar of `width` percent (its share of the column's largest). */
function BarCell({ value, width, red = false }: { value: number; width: number; red?: boolean }) {
  return (
    <span class="bar-cell">
      <span class="bar-cell__value">{count(value)}</span>
      <span class="bar-track" aria-hidden="true">
        <span class={red ? "bar bar--red" : "bar"} style={{ width: `${width}%` }} />
      </span>
    </span>
  );
}

function Cancellations({ summary }: { summary: MetricsSummary }) {
  const reasons = [...summary.cancellations].sort((a, b) => b.count - a.count);
  const total = reasons.reduce((sum, r) => sum + r.count, 0);
  const widths = barWidths(reasons.map((r) => r.count));
  return (
    <Section id="cancelaciones" title="Cancelaciones por motivo">
      {!reasons.length && <p class="muted">Ningún pedido cancelado en este rango.</p>}
      {reasons.length > 0 && (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Cancelaciones por motivo">
          <table>
            <caption class="visually-hidden">Cancelaciones por motivo</caption>
            <thead>
              <tr>
                <th scope="col">Motivo</th>
                <th scope="col">Pedidos</th>
                <th scope="col" class="num">Del total</th>
              </tr>
            </thead>
            <tbody>
              {reasons.map((r, i) => (
                <tr key={r.reason}>
                  <th scope="row">{cancellationReason(r.reason)}</th>
                  <td>
                    <BarCell value={r.count} width={widths[i]} red />
                  </td>
                  <td class="num">{share(r.count, total)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}

// -- the report for one choice of filters ------------------------------------------------------------

function Report({ filters, where }: { filters: Filters; where: string }) {
  const app = useApp();
  const query = apiQuery(filters);
  const summary = useLoad(() => app.api.get<MetricsSummary>("metricas", { query }), []);
  const employees = useLoad(() => app.api.get<EmployeesAnswer>("metricas/empleados", { query }), []);
  const hours = useLoad(() => app.api.get<HoursAnswer>("metricas/horas", { query }), []);
  const busy = summary.loading || employees.loading || hours.loading;
  const [readAt, setReadAt] = useState(() => new Date().toISOString());
  useEffect(() => {
    if (!busy) setReadAt(new Date().toISOString());
  }, [busy]);
  const refresh = () => {
    void summary.reload();
    void employees.reload();
    void hours.reload();
  };
  return (
    <>
      <div class="metrics__context">
        <p>
          <strong>{rangeText(filters.from, filters.to)}</strong> · {where}
        </p>
        <p class="small muted row">
          <span role="status">{busy ? "Actualizando…" : summary.data ? `Datos de las ${clock(readAt)}` : ""}</span>
          <button type="button" class="button button--ghost metrics__refresh" onClick={refresh} disabled={busy}>
            Actualizar
          </button>
        </p>
      </div>
      {summary.error && <Problem loaded={summary} />}
      {!summary.data && !summary.error && <Loading label="Cargando métricas…" />}
      {summary.data && isEmpty(summary.data) && (
        <div class="card metrics__empty">
          <p>
            <strong>Aún no hay pedidos en este rango.</strong>
          </p>
          <p class="muted">Los números aparecen aquí cuando se paga un pedido. Prueba con otro rango u otro local.</p>
        </div>
      )}
      {summary.data && !isEmpty(summary.data) && (
        <>
          <OrderStats summary={summary.data} />
          <Section id="etapas" title="Tiempo por etapa">
            <p class="small muted">Desde que el pedido entra a la etapa hasta que el personal lo completa.</p>
            <div class="stages">
              {summary.data.stages.map((stage) => (
                <StageCard key={stage.stage} stage={stage} />
              ))}
            </div>
          </Section>
          <DailyTimes summary={summary.data} />
          <Hours loaded={hours} />
          <Ranking loaded={employees} />
          <Cancellations summary={summary.data} />
        </>
      )}
    </>
  );
}

export function MetricsAdmin() {
  const { query } = useLocation();
  const locations = useLocations();
  const today = limaDay();
  const { filters, problem } = filtersFromQuery(query, today);
  const known = locations.data?.find((l) => l.location_id === filters.local);
  const unknownLocation = Boolean(filters.local && locations.data && !known);
  const change = (next: Filters) => navigate(`${PATH}${queryFromFilters(next)}`, { replace: true });
  const key = `${filters.local}|${filters.from}|${filters.to}`;
  return (
    <main id="contenido" class="metrics">
      <h1>Métricas</h1>
      <FilterBar filters={filters} today={today} onChange={change} />
      {problem && <Notice kind="warning">{problem}</Notice>}
      {unknownLocation && <Notice kind="warning">No encontramos ese local. Elige otro o mira todos los locales.</Notice>}
      {locations.error && <Notice kind="error">{locations.error}</Notice>}
      {!problem && (filters.local === "" || known) && (
        <Report key={key} filters={filters} where={known ? known.name : "Todos los locales"} />
      )}
      {!problem && filters.local && !locations.data && !locations.error && <Loading />}
    </main>
  );
}

