/**
 * The invitation e-mail's link: new staff choose their password here. The one-time token travels in
 * the URL fragment (`takeFragmentToken`).
 */
import { useState } from "preact/hooks";
import { useAction } from "../../../shared/hooks";
import { navigate, takeFragmentToken } from "../../../shared/router";
import { Button, Field, Form, Notice } from "../../../shared/ui";
import { useApp } from "../context";

export function ActivatePage() {
  const app = useApp();
  const [token] = useState(takeFragmentToken);
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const [mismatch, setMismatch] = useState<string | undefined>();
  const activate = useAction(async () => {
    await app.api.post("empleados/activar", { token, password }, { auth: false });
    navigate("/ingresar?activada=1", { replace: true });
  });
  if (!token) {
    return (
      <main id="contenido" class="narrow">
        <h1>Activa tu cuenta</h1>
        <Notice kind="error">Este enlace no trae una invitación. Ábrelo desde el correo que te enviamos, o pide a tu administrador que te lo reenvíe.</Notice>
      </main>
    );
  }
  const submit = () => {
    if (password !== again) {
      setMismatch("Las contraseñas no coinciden.");
      return;
    }
    setMismatch(undefined);
    void activate.run();
  };
  return (
    <main id="contenido" class="narrow">
      <h1>Activa tu cuenta</h1>
      <p class="muted">{app.tenant.name}: elige la contraseña con la que ingresarás.</p>
      <Form class="card stack" onSend={submit}>
        <Field
          label="Nueva contraseña"
          type="password"
          name="password"
          autocomplete="new-password"
          value={password}
          hint="Al menos 10 caracteres; no solo números."
          error={activate.error?.fieldMessage("password")}
          onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
        />
        <Field
          label="Repite la contraseña"
          type="password"
          name="password-again"
          autocomplete="new-password"
          value={again}
          error={mismatch}
          onInput={(e) => setAgain((e.target as HTMLInputElement).value)}
        />
        {activate.error && <Notice kind="error">{activate.error.message}</Notice>}
        <Button type="submit" busy={activate.busy} busyLabel="Activando…" class="button button--primary button--block">
          Activar mi cuenta
        </Button>
      </Form>
    </main>
  );
}
