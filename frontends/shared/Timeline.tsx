/** The order's way from payment to the door, step by step, with when each step happened (Lima time). */
import { clock } from "./dates";
import { type Order, timeline } from "./orders";

export function Timeline({ order }: { order: Pick<Order, "estado_pedido" | "dispatch" | "history"> }) {
  const steps = timeline(order);
  return (
    <ol class="timeline" aria-label="Estado del pedido">
      {steps.map((step) => (
        <li
          key={step.estado}
          class={`timeline__step timeline__step--${step.state}`}
          aria-current={step.state === "current" ? "step" : undefined}
          data-estado={step.estado}
        >
          <span class="timeline__dot" aria-hidden="true" />
          <span class="timeline__label">{step.label}</span>
          {step.at && <time dateTime={step.at}>{clock(step.at)}</time>}
          {step.reason && <span class="timeline__reason">Motivo: {step.reason}</span>}
          {step.state === "current" && <span class="visually-hidden"> (estado actual)</span>}
        </li>
      ))}
    </ol>
  );
}
