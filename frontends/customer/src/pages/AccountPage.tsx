/** The customer's profile: edit name and phone, their loyalty points, the complaint book, change the password, log out, delete the account. */
import { useEffect, useState } from "preact/hooks";
import { useAction, useLoad } from "../../../shared/hooks";
import { Link, currentPath, navigate } from "../../../shared/router";
import { useStore } from "../../../shared/store";
import { Button, Dialog, Field, Form, Loading, Notice } from "../../../shared/ui";
import { PointsCard } from "../components/PointsCard";
import { useApp } from "../context";
import { usePasswordPair } from "./EmailLinkPages";

/** The current password and the new one (twice); the customer's other sessions end. */
function PasswordChange() {
  const app = useApp();
  const [current, setCurrent] = useState("");
  const pair = usePasswordPair();
  const [changed, setChanged] = useState(false);
  const change = useAction(async () => {
    setChanged(false);
    await app.api.post("perfil/contrasena", { current_password: current, new_password: pair.password });
    setCurrent("");
    pair.reset();
    setChanged(true);
  });
  const submit = () => {
    if (pair.matches()) void change.run();
  };
  return (
    <Form class="card stack" onSend={submit} aria-labelledby="clave">
      <h2 id="clave">Cambiar contraseña</h2>
      <Field label="Contraseña actual" type="password" name="current-password" autocomplete="current-password" required value={current} error={change.error?.code === "wrong_password" ? change.error.message : change.error?.fieldMessage("current_password")} onInput={(e) => setCurrent((e.target as HTMLInputElement).value)} />
      <Field label="Nueva contraseña" type="password" name="new-password" autocomplete="new-password" required minLength={10} value={pair.password} hint="Al menos 10 caracteres; no solo números." error={change.error?.fieldMessage("new_password")} onInput={(e) => pair.setPassword((e.target as HTMLInputElement).value)} />
      <Field label="Repite la nueva contraseña" type="password" name="new-password-again" autocomplete="new-password" required value={pair.again} error={pair.mismatch} onInput={(e) => pair.setAgain((e.target as HTMLInputElement).value)} />
      {change.error && change.error.code !== "wrong_password" && <Notice kind="error">{change.error.message}</Notice>}
      {changed && <Notice kind="success">Cambiamos tu contraseña. Cerramos tus sesiones en otros dispositivos.</Notice>}
      <Button type="submit" busy={change.busy} busyLabel="Cambiando…">
        Cambiar contraseña
      </Button>
    </Form>
  );
}

interface Profile {
  user_id: string;
  email: string;
  name: string;
  phone: string | null;
}

export function AccountPage() {
  const app = useApp();
  const session = useStore(app.sessions);
  const profile = useLoad(() => (session ? app.api.get<Profile>("perfil") : Promise.resolve(null)), [session?.token]);
  const [name, setName] = useState("");
  const [phone, setPhone] = useState("");
  const [saved, setSaved] = useState(false);
  const [confirming, setConfirming] = useState(false);
  // The form shows once its fields hold the loaded profile: typed before that, a character would be overwritten.
  const [filled, setFilled] = useState(false);
  useEffect(() => {
    if (!session) navigate(`/ingresar?volver=${encodeURIComponent(currentPath())}`, { replace: true });
  }, [session?.token]);
  useEffect(() => {
    if (profile.data) {
      setName(profile.data.name);
      setPhone(profile.data.phone ?? "");
      setFilled(true);
    }
  }, [profile.data]);

  const save = useAction(async () => {
    setSaved(false);
    const updated = await app.api.patch<Profile>("perfil", { name, phone: phone.trim() ? phone : null });
    profile.set(updated);
    setSaved(true);
  });
  const logout = useAction(async () => {
    try {
      await app.api.post("usuarios/logout");
    } finally {
      app.sessions.set(null);
      navigate("/");
    }
  });
  const remove = useAction(async () => {
    await app.api.delete("perfil");
    app.sessions.set(null);
    navigate("/");
  });

  if (!session) return null;
  if (profile.error) {
    return (
      <main id="contenido" class="narrow">
        <Notice kind="error">{profile.error}</Notice>
      </main>
    );
  }
  if (!profile.data || !filled) {
    return (
      <main id="contenido" class="narrow">
        <Loading />
      </main>
    );
  }
  const submit = () => {
    void save.run();
  };
  return (
    <main id="contenido" class="narrow stack">
      <h1>Mi cuenta</h1>
      <Form class="card stack" onSend={submit} aria-labelledby="datos">
        <h2 id="datos">Tus datos</h2>
        <p class="small muted">Correo: {profile.data.email}</p>
        <Field label="Nombre y apellido" name="name" autocomplete="name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} error={save.error?.fieldMessage("name")} />
        <Field label="Celular" type="tel" name="phone" autocomplete="tel" value={phone} onInput={(e) => setPhone((e.target as HTMLInputElement).value)} error={save.error?.fieldMessage("phone")} />
        {save.error && <Notice kind="error">{save.error.message}</Notice>}
        {saved && <Notice kind="success">Guardamos tus datos.</Notice>}
        <Button type="submit" busy={save.busy} busyLabel="Guardando…">
          Guardar
        </Button>
      </Form>
      <PointsCard />
      <nav class="card stack" aria-labelledby="libro">
        <h2 id="libro">Libro de Reclamaciones</h2>
        <Link to="/libro-de-reclamaciones" class="button button--secondary button--block">
          Presentar un reclamo o queja
        </Link>
        <Link to="/mis-reclamos" class="button button--secondary button--block">
          Mis reclamos
        </Link>
      </nav>
      <PasswordChange />
      <div class="card stack">
        <Button variant="secondary" busy={logout.busy} onClick={() => void logout.run()}>
          Cerrar sesión
        </Button>
        <Button variant="danger" onClick={() => setConfirming(true)}>
          Eliminar mi cuenta
        </Button>
      </div>
      <Dialog title="¿Eliminar tu cuenta?" open={confirming} onClose={() => setConfirming(false)}>
        <div class="dialog__body stack">
          <p>Cerraremos tu sesión y no podrás volver a ingresar con esta cuenta. Tus pedidos ya hechos se mantienen.</p>
          {remove.error && <Notice kind="error">{remove.error.message}</Notice>}
          <div class="row">
            <Button variant="danger" busy={remove.busy} onClick={() => void remove.run()}>
              Sí, eliminar mi cuenta
            </Button>
            <Button variant="secondary" onClick={() => setConfirming(false)}>
              No, volver
            </Button>
          </div>
        </div>
      </Dialog>
    </main>
  );
}
