/** Staff log in with their work account; each lands on their own screen. */
import { useState } from "preact/hooks";
import type { Session } from "../../../shared/api";
import { useAction } from "../../../shared/hooks";
import { href, navigate, useLocation } from "../../../shared/router";
import { Button, Field, Form, Notice } from "../../../shared/ui";
import { useApp } from "../context";
import { homeFor, mayOpen } from "../roles";

export function LoginPage() {
  const app = useApp();
  const { query } = useLocation();
  const [email, setEmail] = useState(query.get("correo") ?? "");
  const [password, setPassword] = useState("");
  const login = useAction(async () => {
    const session = await app.api.post<Session>(
      "usuarios/login",
      { email, password, kind: "employee" },
      { auth: false },
    );
    app.sessions.set({ ...session, email });
    const back = query.get("volver");
    const path = back?.startsWith(href("/")) ? `/${back.slice(href("/").length)}` : null;
    navigate(path && !path.startsWith("/ingresar") && mayOpen(session.rol, path) ? path : homeFor(session.rol), {
      replace: true,
    });
  });
  const submit = () => {
    void login.run();
  };
  return (
    <main id="contenido" class="narrow">
      <h1>Ingreso del personal</h1>
      <p class="muted">{app.tenant.name}</p>
      <Form class="card stack" onSend={submit}>
        {query.get("activada") && <Notice kind="success">Tu cuenta está activa. Ingresa con tu nueva contraseña.</Notice>}
        <Field label="Correo" type="email" name="email" autocomplete="username" value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
        <Field
          label="Contraseña"
          type="password"
          name="password"
          autocomplete="current-password"
          value={password}
          onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
        />
        {login.error && <Notice kind="error">{login.error.message}</Notice>}
        <Button type="submit" busy={login.busy} busyLabel="Ingresando…" class="button button--primary button--block">
          Ingresar
        </Button>
      </Form>
    </main>
  );
}
