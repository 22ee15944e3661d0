/** The tenant's staff: invite, change role or location, deactivate, re-send an invitation. */
import { useState } from "preact/hooks";
import { errorText, useAction, useLoad } from "../../../shared/hooks";
import { useStore } from "../../../shared/store";
import { Button, Field, Form, Loading, Notice } from "../../../shared/ui";
import { useApp } from "../context";
import { ROLE_LABELS, type Rol } from "../roles";
import { LocationSelect, useChosenLocation, useLocations } from "./common";

interface Employee {
  employee_id: string;
  name: string;
  email: string;
  rol: Rol;
  location_id: string;
  status: "invited" | "active" | "inactive";
}

const STATUS_LABELS = { invited: "Invitado", active: "Activo", inactive: "Desactivado" } as const;
const ROLES = Object.keys(ROLE_LABELS) as Rol[];

function InviteForm({ onInvited }: { onInvited: (email: string) => void }) {
  const app = useApp();
  const [form, setForm] = useState({ name: "", email: "", rol: "cocinero" as Rol });
  const [location_id, setLocation] = useChosenLocation();
  const invite = useAction(async () => {
    await app.api.post("empleados", { ...form, location_id });
    onInvited(form.email);
    setForm({ ...form, name: "", email: "" });
  });
  return (
    <Form
      class="card stack"
      aria-labelledby="invitar"
      onSend={() => void invite.run()}
    >
      <h2 id="invitar">Invitar a alguien</h2>
      <div class="form-grid">
        <Field label="Nombre" name="name" value={form.name} error={invite.error?.fieldMessage("name")} onInput={(e) => setForm({ ...form, name: (e.target as HTMLInputElement).value })} />
        <Field label="Correo" type="email" name="email" value={form.email} error={invite.error?.fieldMessage("email")} onInput={(e) => setForm({ ...form, email: (e.target as HTMLInputElement).value })} />
        <label class="field">
          <span>Rol</span>
          <select value={form.rol} onChange={(e) => setForm({ ...form, rol: (e.target as HTMLSelectElement).value as Rol })}>
            {ROLES.map((rol) => (
              <option key={rol} value={rol}>
                {ROLE_LABELS[rol]}
              </option>
            ))}
          </select>
        </label>
        <LocationSelect value={location_id} onChange={setLocation} />
      </div>
      {invite.error && <Notice kind="error">{invite.error.message}</Notice>}
      <Button type="submit" busy={invite.busy} busyLabel="Enviando invitación…" disabled={!location_id}>
        Enviar invitación
      </Button>
    </Form>
  );
}

function EmployeeRow({ employee, onChanged }: { employee: Employee; onChanged: (message: string) => void }) {
  const app = useApp();
  const session = useStore(app.sessions);
  const locations = useLocations();
  const [problem, setProblem] = useState<string | null>(null);
  const change = async (body: Record<string, string>, message: string) => {
    setProblem(null);
    try {
      await app.api.patch(`empleados/${employee.employee_id}`, body);
      onChanged(message);
    } catch (caught) {
      setProblem(errorText(caught));
    }
  };
  const act = async (method: "delete" | "reinvite") => {
    setProblem(null);
    try {
      if (method === "delete") await app.api.delete(`empleados/${employee.employee_id}`);
      else await app.api.post(`empleados/${employee.employee_id}/invitacion`);
      onChanged(method === "delete" ? `${employee.name} ya no puede ingresar.` : `Reenviamos la invitación a ${employee.email}.`);
    } catch (caught) {
      setProblem(errorText(caught));
    }
  };
  const self = employee.employee_id === session?.subject_id;
  const inactive = employee.status === "inactive";
  return (
    <tr>
      <th scope="row">
        {employee.name}
        <div class="small muted">{employee.email}</div>
        {problem && <p class="field__error">{problem}</p>}
      </th>
      <td>
        <select
          aria-label={`Rol de ${employee.name}`}
          value={employee.rol}
          disabled={self || inactive}
          onChange={(e) => void change({ rol: (e.target as HTMLSelectElement).value }, `${employee.name} cambió de rol.`)}
        >
          {ROLES.map((rol) => (
            <option key={rol} value={rol}>
              {ROLE_LABELS[rol]}
            </option>
          ))}
        </select>
      </td>
      <td>
        <select
          aria-label={`Local de ${employee.name}`}
          value={employee.location_id}
          disabled={self || inactive}
          onChange={(e) => void change({ location_id: (e.target as HTMLSelectElement).value }, `${employee.name} cambió de local.`)}
        >
          {(locations.data ?? []).map((l) => (
            <option key={l.location_id} value={l.location_id}>
              {l.name}
            </option>
          ))}
        </select>
      </td>
      <td>
        <span class={`pill ${inactive ? "pill--red" : employee.status === "invited" ? "pill--amber" : "pill--green"}`}>
          {STATUS_LABELS[employee.status]}
        </span>
      </td>
      <td>
        <div class="row row--tight">
        {employee.status === "invited" && (
          <button type="button" class="button button--ghost" onClick={() => void act("reinvite")}>
            Reenviar invitación
          </button>
        )}
        {!self && !inactive && (
          <button type="button" class="button button--ghost" onClick={() => void act("delete")} aria-label={`Desactivar a ${employee.name}`}>
            Desactivar
          </button>
        )}
        </div>
      </td>
    </tr>
  );
}

export function StaffAdmin() {
  const app = useApp();
  const staff = useLoad(() => app.api.all<Employee>("empleados", { query: { limit: 100 } }), []);
  const [message, setMessage] = useState<string | null>(null);
  const changed = (text: string) => {
    setMessage(text);
    void staff.reload();
  };
  return (
    <main id="contenido" class="stack">
      <h1>Personal</h1>
      <InviteForm onInvited={(email) => changed(`Enviamos la invitación a ${email}.`)} />
      {message && <Notice kind="success">{message}</Notice>}
      {staff.error && <Notice kind="error">{staff.error}</Notice>}
      {!staff.data && !staff.error && <Loading />}
      {staff.data && (
        <div class="card table-wrap">
          <table>
            <caption class="visually-hidden">Personal</caption>
            <thead>
              <tr>
                <th scope="col">Persona</th>
                <th scope="col">Rol</th>
                <th scope="col">Local</th>
                <th scope="col">Estado</th>
                <th scope="col">
                  <span class="visually-hidden">Acciones</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {staff.data.map((employee) => (
                <EmployeeRow key={`${employee.employee_id}-${employee.rol}-${employee.location_id}-${employee.status}`} employee={employee} onChanged={changed} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </main>
  );
}
