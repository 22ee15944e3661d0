/** The few building blocks both apps draw with: labelled fields, notices, a busy button, a dialog. */
import type { ButtonHTMLAttributes, ComponentChildren, FormHTMLAttributes, InputHTMLAttributes, TextareaHTMLAttributes } from "preact";
import { useEffect, useId, useRef } from "preact/hooks";

interface InputProps {
  label: string;
  error?: string;
  hint?: string;
  id?: string;
  type?: string;
  name?: string;
  value?: string;
  placeholder?: string;
  autocomplete?: string;
  inputMode?: "text" | "tel" | "email" | "numeric" | "decimal" | "search" | "url";
  required?: boolean;
  disabled?: boolean;
  minLength?: number;
  maxLength?: number;
  min?: number;
  max?: number;
  step?: number;
  onInput?: (event: Event) => void;
  onChange?: (event: Event) => void;
}

export function Field({ label, error, hint, id, ...input }: InputProps) {
  const generated = useId();
  const inputId = (id as string | undefined) ?? generated;
  const described = [hint ? `${inputId}-hint` : "", error ? `${inputId}-error` : ""].filter(Boolean).join(" ");
  return (
    <div class={`field${error ? " field--invalid" : ""}`}>
      <label for={inputId}>{label}</label>
      <input
        id={inputId}
        aria-invalid={error ? true : undefined}
        aria-describedby={described || undefined}
        {...(input as InputHTMLAttributes<HTMLInputElement>)}
      />
      {hint && (
        <p class="field__hint" id={`${inputId}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="field__error" id={`${inputId}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

interface TextAreaProps {
  label: string;
  error?: string;
  hint?: string;
  id?: string;
  name?: string;
  value?: string;
  placeholder?: string;
  maxLength?: number;
  rows?: number;
  onInput?: (event: Event) => void;
}

export function TextArea({ label, error, hint, id, ...area }: TextAreaProps) {
  const generated = useId();
  const areaId = (id as string | undefined) ?? generated;
  const described = [hint ? `${areaId}-hint` : "", error ? `${areaId}-error` : ""].filter(Boolean).join(" ");
  return (
    <div class={`field${error ? " field--invalid" : ""}`}>
      <label for={areaId}>{label}</label>
      <textarea
        id={areaId}
        aria-invalid={error ? true : undefined}
        aria-describedby={described || undefined}
        {...(area as TextareaHTMLAttributes<HTMLTextAreaElement>)}
      />
      {hint && (
        <p class="field__hint" id={`${areaId}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="field__error" id={`${areaId}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

export function Notice({
  kind = "info",
  children,
}: {
  kind?: "info" | "error" | "success" | "warning";
  children: ComponentChildren;
}) {
  return (
    <div class={`notice notice--${kind}`} role={kind === "error" ? "alert" : "status"}>
      {children}
    </div>
  );
}

export function Loading({ label = "Cargando…" }: { label?: string }) {
  return (
    <p class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

type ButtonProps = Omit<ButtonHTMLAttributes<HTMLButtonElement>, "type"> & {
  busy?: boolean;
  busyLabel?: string;
  variant?: "primary" | "secondary" | "danger" | "ghost";
  type?: "button" | "submit";
  disabled?: boolean;
};

export function Button({ busy, busyLabel, variant = "primary", children, disabled, type = "button", ...rest }: ButtonProps) {
  return (
    <button
      type={type}
      class={`button button--${variant}`}
      disabled={disabled || busy}
      aria-busy={busy ? true : undefined}
      {...rest}
    >
      {busy ? (busyLabel ?? "Un momento…") : children}
    </button>
  );
}

/** A modal on the native <dialog>: focus moves in, Escape closes, focus returns where it was. */
export function Dialog({
  title,
  open,
  onClose,
  children,
}: {
  title: string;
  open: boolean;
  onClose: () => void;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} class="dialog" aria-labelledby={titleId} onClose={onClose} onCancel={onClose}>
      <header class="dialog__header">
        <h2 id={titleId}>{title}</h2>
        <button type="button" class="icon-button" onClick={onClose} aria-label="Cerrar">
          ×
        </button>
      </header>
      {open && children}
    </dialog>
  );
}

type FormProps = Omit<FormHTMLAttributes<HTMLFormElement>, "onSubmit"> & { onSend: () => void };

/** A form the app sends itself: no page reload, and our own field messages instead of the browser's bubbles. */
export function Form({ onSend, children, ...rest }: FormProps) {
  return (
    <form
      noValidate
      {...rest}
      onSubmit={(event) => {
        event.preventDefault();
        onSend();
      }}
    >
      {children}
    </form>
  );
}
