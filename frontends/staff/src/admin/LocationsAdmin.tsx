/** The tenant's locations: details, opening hours, dispatch types, and pausing online orders. */
import { useState } from "preact/hooks";
import { DAYS, type Location, dayLabel } from "../../../shared/catalog";
import { errorText, useAction } from "../../../shared/hooks";
import { Button, Dialog, Field, Form, Loading, Notice } from "../../../shared/ui";
import { useApp } from "../context";
import { useLocations } from "./common";

type Hours = Record<string, { open: string; close: string }>;

function hoursOf(location: Location): Hours {
  return Object.fromEntries(
    DAYS.map((day) => {
      const [open = "", close = ""] = (location.opening_hours[day] ?? "").split("-");
      return [day, { open, close }];
    }),
  );
}

function LocationEditor({ location, onSaved }: { location: Location; onSaved: (name: string) => void }) {
  const app = useApp();
  const [form, setForm] = useState({
    name: location.name,
    address: location.address,
    district: location.district,
    phone: location.phone,
    lat: String(location.lat),
    lng: String(location.lng),
  });
  const [dispatch, setDispatch] = useState(new Set(location.dispatch_types));
  const [hours, setHours] = useState(hoursOf(location));
  const [problem, setProblem] = useState<string | null>(null);
  const save = useAction(async () => {
    if (!dispatch.size) return setProblem("Elige al menos un tipo de entrega.");
    const opening_hours: Record<string, string> = {};
    for (const day of DAYS) {
      const { open, close } = hours[day];
      if (open && close) opening_hours[day] = `${open}-${close === "00:00" ? "24:00" : close}`;
    }
    setProblem(null);
    await app.api.put(`locales/${location.location_id}`, {
      ...form,
      lat: Number(form.lat),
      lng: Number(form.lng),
      dispatch_types: [...dispatch],
      opening_hours,
    });
    onSaved(form.name);
  });
  const field = (name: keyof typeof form, label: string) => (
    <Field label={label} name={name} value={form[name]} error={save.error?.fieldMessage(name)} onInput={(e) => setForm({ ...form, [name]: (e.target as HTMLInputElement).value })} />
  );
  return (
    <Form
      class="dialog__body stack"
      onSend={() => void save.run()}
    >
      {field("name", "Nombre")}
      {field("address", "Dirección")}
      {field("district", "Distrito")}
      {field("phone", "Teléfono")}
      <div class="row">
        {field("lat", "Latitud")}
        {field("lng", "Longitud")}
      </div>
      <fieldset>
        <legend>Tipos de entrega</legend>
        {(["delivery", "pickup"] as const).map((type) => (
          <label class="choice" key={type}>
            <input
              type="checkbox"
              checked={dispatch.has(type)}
              onChange={(e) => {
                const next = new Set(dispatch);
                if ((e.target as HTMLInputElement).checked) next.add(type);
                else next.delete(type);
                setDispatch(next);
              }}
            />
            <span>{type === "delivery" ? "Delivery" : "Recojo en tienda"}</span>
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Horario (vacío: cerrado)</legend>
        {DAYS.map((day) => (
          <div class="row hours-row" key={day}>
            <span class="hours-row__day">{dayLabel(day)}</span>
            <label>
              <span class="visually-hidden">{dayLabel(day)}: abre</span>
              <input type="time" value={hours[day].open} onChange={(e) => setHours({ ...hours, [day]: { ...hours[day], open: (e.target as HTMLInputElement).value } })} />
            </label>
            <span aria-hidden="true">–</span>
            <label>
              <span class="visually-hidden">{dayLabel(day)}: cierra</span>
              <input type="time" value={hours[day].close === "24:00" ? "00:00" : hours[day].close} onChange={(e) => setHours({ ...hours, [day]: { ...hours[day], close: (e.target as HTMLInputElement).value } })} />
            </label>
          </div>
        ))}
      </fieldset>
      {(problem || save.error) && <Notice kind="error">{problem ?? save.error?.message}</Notice>}
      <Button type="submit" busy={save.busy} busyLabel="Guardando…">
        Guardar
      </Button>
    </Form>
  );
}

export function LocationsAdmin() {
  const app = useApp();
  const locations = useLocations();
  const [editing, setEditing] = useState<Location | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const pause = async (location: Location, paused: boolean) => {
    setProblem(null);
    try {
      await app.api.post(`locales/${location.location_id}/pausa`, { paused });
      setMessage(paused ? `${location.name} pausó los pedidos en línea.` : `${location.name} vuelve a recibir pedidos en línea.`);
      await locations.reload();
    } catch (caught) {
      setProblem(errorText(caught));
    }
  };
  return (
    <main id="contenido" class="stack">
      <h1>Locales</h1>
      {message && <Notice kind="success">{message}</Notice>}
      {(problem || locations.error) && <Notice kind="error">{problem ?? locations.error}</Notice>}
      {!locations.data && !locations.error && <Loading />}
      <div class="grid">
        {(locations.data ?? []).map((location) => (
          <article class="card stack" key={location.location_id} aria-label={location.name}>
            <div class="spread">
              <h2>{location.name}</h2>
              {location.paused ? <span class="pill pill--red">Pausado</span> : <span class="pill pill--green">Recibiendo pedidos</span>}
            </div>
            <p class="small">
              {location.address} · {location.district} · {location.phone}
            </p>
            <p class="small muted">
              {location.dispatch_types.map((t) => (t === "delivery" ? "Delivery" : "Recojo")).join(" · ")} ·{" "}
              {Object.keys(location.opening_hours).length} días con horario
            </p>
            <div class="row">
              <Button variant="secondary" onClick={() => setEditing(location)}>
                Editar
              </Button>
              <Button variant={location.paused ? "primary" : "danger"} onClick={() => void pause(location, !location.paused)}>
                {location.paused ? "Reanudar pedidos en línea" : "Pausar pedidos en línea"}
              </Button>
            </div>
          </article>
        ))}
      </div>
      <Dialog title={editing ? `Editar ${editing.name}` : ""} open={editing !== null} onClose={() => setEditing(null)}>
        {editing && (
          <LocationEditor
            location={editing}
            onSaved={(name) => {
              setEditing(null);
              setMessage(`Guardamos ${name}.`);
              void locations.reload();
            }}
          />
        )}
      </Dialog>
    </main>
  );
}
