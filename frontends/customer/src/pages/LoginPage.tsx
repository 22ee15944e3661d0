/** Log in and register; login comes back to where the customer was (`?volver=`), registering waits for the mail. */
import { useState } from "preact/hooks";
import type { Session } from "../../../shared/api";
import { useAction } from "../../../shared/hooks";
import { Link, href, navigate, useLocation } from "../../../shared/router";
import { Button, Field, Form, Notice } from "../../../shared/ui";
import { useApp } from "../context";
import { CheckMail, ResendVerification } from "./EmailLinkPages";

function backTo(query: URLSearchParams): string {
  const target = query.get("volver");
  // Only a path of this app (never an outside address: no open redirect), and never a login page again.
  const ours = target && target.startsWith(href("/")) && !target.startsWith("//");
  return ours && !/\/(ingresar|registro|verificar|recuperar|restablecer)(\?|#|$)/.test(target) ? target : href("/");
}

function useLogin() {
  const app = useApp();
  return async (email: string, password: string) => {
    const session = await app.api.post<Session>("usuarios/login", { email, password, kind: "customer" }, { auth: false });
    app.sessions.set({ ...session, email });
  };
}

export function LoginPage() {
  const { query } = useLocation();
  const login = useLogin();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const action = useAction(async () => {
    await login(email, password);
    navigate(backTo(query), { replace: true });
  });
  const submit = () => {
    void action.run();
  };
  return (
    <main id="contenido" class="narrow">
      <h1>Ingresar</h1>
      <Form class="card stack" onSend={submit}>
        {query.get("volver") && <Notice kind="info">Ingresa para continuar.</Notice>}
        {query.get("verificado") && <Notice kind="success">Tu correo está confirmado. Ingresa con tu contraseña.</Notice>}
        {query.get("restablecida") && <Notice kind="success">Cambiamos tu contraseña. Ingresa con la nueva.</Notice>}
        <Field label="Correo" type="email" name="email" autocomplete="email" required value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} error={action.error?.fieldMessage("email")} />
        <Field label="Contraseña" type="password" name="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        {action.error && <Notice kind="error">{action.error.message}</Notice>}
        <Button type="submit" busy={action.busy} busyLabel="Ingresando…" class="button button--primary button--block">
          Ingresar
        </Button>
        <p>
          <Link to="/recuperar">¿Olvidaste tu contraseña?</Link>
        </p>
        <p>
          ¿No tienes cuenta? <Link to={`/registro${query.get("volver") ? `?volver=${encodeURIComponent(query.get("volver") ?? "")}` : ""}`}>Regístrate</Link>
        </p>
      </Form>
      {action.error?.code === "email_not_verified" && (
        <div class="card stack">
          <p>¿No encuentras el correo de confirmación?</p>
          <ResendVerification email={email} />
        </div>
      )}
    </main>
  );
}

export function RegisterPage() {
  const app = useApp();
  const [form, setForm] = useState({ name: "", email: "", phone: "", password: "" });
  const [sentTo, setSentTo] = useState<string | null>(null);
  const action = useAction(async () => {
    const registered = await app.api.post<{ email: string }>(
      "usuarios",
      { name: form.name, email: form.email, password: form.password, ...(form.phone.trim() ? { phone: form.phone } : {}) },
      { auth: false },
    );
    setSentTo(registered.email);
    window.scrollTo(0, 0);
  });
  const set = (field: keyof typeof form) => (event: Event) => setForm({ ...form, [field]: (event.target as HTMLInputElement).value });
  const submit = () => {
    void action.run();
  };
  const problem = (field: string) => action.error?.fieldMessage(field);
  if (sentTo) return <CheckMail email={sentTo} />;
  return (
    <main id="contenido" class="narrow">
      <h1>Crear cuenta</h1>
      <Form class="card stack" onSend={submit}>
        <Field label="Nombre y apellido" name="name" autocomplete="name" required value={form.name} onInput={set("name")} error={problem("name")} />
        <Field label="Correo" type="email" name="email" autocomplete="email" required value={form.email} onInput={set("email")} error={problem("email")} />
        <Field label="Celular (opcional)" type="tel" name="phone" autocomplete="tel" inputMode="tel" value={form.phone} onInput={set("phone")} error={problem("phone")} hint="Para que el repartidor pueda llamarte." />
        <Field
          label="Contraseña"
          type="password"
          name="password"
          autocomplete="new-password"
          required
          minLength={10}
          value={form.password}
          onInput={set("password")}
          error={problem("password")}
          hint="Al menos 10 caracteres; no solo números."
        />
        {action.error && <Notice kind="error">{action.error.message}</Notice>}
        <Button type="submit" busy={action.busy} busyLabel="Creando tu cuenta…" class="button button--primary button--block">
          Crear cuenta
        </Button>
        <p>
          ¿Ya tienes cuenta? <Link to="/ingresar">Ingresa</Link>
        </p>
      </Form>
    </main>
  );
}
