/**
 * The screens of the mailed links: "check your mail" after registering, the address's verification, the
 * forgotten password and its reset. Every request for an email answers the same whatever the address, so
 * these screens never say whether an account exists.
 */
import { useEffect, useState } from "preact/hooks";
import { useAction } from "../../../shared/hooks";
import { Link, navigate, takeFragmentToken } from "../../../shared/router";
import { Button, Field, Form, Loading, Notice } from "../../../shared/ui";
import { useApp } from "../context";

/** Ask for the verification email again (shown after registering, and when a link failed). */
export function ResendVerification({ email: given = "" }: { email?: string }) {
  const app = useApp();
  const [email, setEmail] = useState(given);
  const [sent, setSent] = useState(false);
  const resend = useAction(async () => {
    setSent(false);
    await app.api.post("usuarios/verificacion/reenvio", { email }, { auth: false });
    setSent(true);
  });
  return (
    <Form class="stack" onSend={() => void resend.run()} aria-label="Reenviar el correo de confirmación">
      {!given && (
        <Field label="Correo" type="email" name="email" autocomplete="email" required value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} error={resend.error?.fieldMessage("email")} />
      )}
      {resend.error && <Notice kind="error">{resend.error.message}</Notice>}
      {sent && <Notice kind="success">Listo: si el correo tiene una cuenta por confirmar, te enviamos un enlace nuevo.</Notice>}
      <Button type="submit" variant="secondary" busy={resend.busy} busyLabel="Enviando…">
        Reenviar el correo
      </Button>
    </Form>
  );
}

/** After registering: the account waits for the address to be confirmed. */
export function CheckMail({ email }: { email: string }) {
  return (
    <main id="contenido" class="narrow">
      <h1>Revisa tu correo</h1>
      <div class="card stack">
        <p>
          Te enviamos un enlace a <strong>{email}</strong> para confirmar tu correo. Ábrelo para activar tu cuenta: vence en 24 horas.
        </p>
        <p class="small muted">¿No llegó? Revisa la carpeta de spam o pide otro.</p>
        <ResendVerification email={email} />
        <p>
          ¿Ya lo confirmaste? <Link to="/ingresar">Ingresa</Link>
        </p>
      </div>
    </main>
  );
}

/** The verification email's link: confirms the address at once, then on to the login. */
export function VerifyPage() {
  const app = useApp();
  const [token] = useState(takeFragmentToken);
  const verify = useAction(async () => {
    await app.api.post("usuarios/verificacion", { token }, { auth: false });
    navigate("/ingresar?verificado=1", { replace: true });
  });
  useEffect(() => {
    if (token) void verify.run();
  }, [token]);
  const failed = !token || verify.error;
  return (
    <main id="contenido" class="narrow">
      <h1>Confirma tu correo</h1>
      {failed ? (
        <div class="card stack">
          <Notice kind="error">{verify.error ? verify.error.message : "Este enlace no trae una confirmación. Ábrelo desde el correo que te enviamos."}</Notice>
          <p>
            ¿Ya confirmaste tu correo? <Link to="/ingresar">Ingresa</Link>. Si no, escribe tu correo y te enviaremos un enlace nuevo.
          </p>
          <ResendVerification />
        </div>
      ) : (
        <Loading label="Confirmando tu correo…" />
      )}
    </main>
  );
}

/** "¿Olvidaste tu contraseña?": the reset link goes to the address, if it has an account. */
export function ForgotPasswordPage() {
  const app = useApp();
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(false);
  const request = useAction(async () => {
    await app.api.post("usuarios/contrasena/olvido", { email }, { auth: false });
    setSent(true);
  });
  if (sent) {
    return (
      <main id="contenido" class="narrow">
        <h1>Revisa tu correo</h1>
        <div class="card stack">
          <p>
            Si <strong>{email}</strong> tiene una cuenta, te enviamos un enlace para elegir una nueva contraseña. Vence en 30 minutos.
          </p>
          <p class="small muted">¿No llegó? Revisa la carpeta de spam.</p>
          <p>
            <Link to="/ingresar">Volver a ingresar</Link>
          </p>
        </div>
      </main>
    );
  }
  return (
    <main id="contenido" class="narrow">
      <h1>¿Olvidaste tu contraseña?</h1>
      <Form class="card stack" onSend={() => void request.run()}>
        <p>Escribe el correo de tu cuenta y te enviaremos un enlace para elegir una nueva.</p>
        <Field label="Correo" type="email" name="email" autocomplete="email" required value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} error={request.error?.fieldMessage("email")} />
        {request.error && <Notice kind="error">{request.error.message}</Notice>}
        <Button type="submit" busy={request.busy} busyLabel="Enviando…" class="button button--primary button--block">
          Enviar el enlace
        </Button>
        <p>
          ¿La recordaste? <Link to="/ingresar">Ingresa</Link>
        </p>
      </Form>
    </main>
  );
}

/** Two password fields that must match; `mismatch` says when they do not. */
export function usePasswordPair() {
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const [mismatch, setMismatch] = useState<string | undefined>();
  const matches = () => {
    const ok = password === again;
    setMismatch(ok ? undefined : "Las contraseñas no coinciden.");
    return ok;
  };
  const reset = () => {
    setPassword("");
    setAgain("");
  };
  return { password, setPassword, again, setAgain, mismatch, matches, reset };
}

/** The reset email's link: choose the new password (every open session ends). */
export function ResetPasswordPage() {
  const app = useApp();
  const [token] = useState(takeFragmentToken);
  const pair = usePasswordPair();
  const save = useAction(async () => {
    await app.api.post("usuarios/contrasena/restablecer", { token, password: pair.password }, { auth: false });
    app.sessions.set(null);
    navigate("/ingresar?restablecida=1", { replace: true });
  });
  if (!token) {
    return (
      <main id="contenido" class="narrow">
        <h1>Elige una nueva contraseña</h1>
        <div class="card stack">
          <Notice kind="error">Este enlace no trae un cambio de contraseña. Ábrelo desde el correo que te enviamos.</Notice>
          <Link to="/recuperar">Pedir un enlace nuevo</Link>
        </div>
      </main>
    );
  }
  const submit = () => {
    if (pair.matches()) void save.run();
  };
  return (
    <main id="contenido" class="narrow">
      <h1>Elige una nueva contraseña</h1>
      <Form class="card stack" onSend={submit}>
        <Field label="Nueva contraseña" type="password" name="password" autocomplete="new-password" required minLength={10} value={pair.password} hint="Al menos 10 caracteres; no solo números." error={save.error?.fieldMessage("password")} onInput={(e) => pair.setPassword((e.target as HTMLInputElement).value)} />
        <Field label="Repite la contraseña" type="password" name="password-again" autocomplete="new-password" required value={pair.again} error={pair.mismatch} onInput={(e) => pair.setAgain((e.target as HTMLInputElement).value)} />
        {save.error && <Notice kind="error">{save.error.message}</Notice>}
        {save.error?.code === "link_invalid" && <Link to="/recuperar">Pedir un enlace nuevo</Link>}
        <Button type="submit" busy={save.busy} busyLabel="Guardando…" class="button button--primary button--block">
          Guardar la nueva contraseña
        </Button>
      </Form>
    </main>
  );
}
