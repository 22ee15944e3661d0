/** Delivery or pickup, among what the location offers. */
import type { Dispatch } from "../cart";
import { useApp } from "../context";
import { soles } from "../../../shared/money";
import { dispatchLabel } from "./LocationCard";

export function DispatchChoice({ offered, value, onChange }: { offered: Dispatch[]; value: Dispatch; onChange: (value: Dispatch) => void }) {
  const app = useApp();
  return (
    <fieldset class="card">
      <legend>¿Cómo lo recibes?</legend>
      {offered.map((dispatch) => (
        <label class="choice" key={dispatch}>
          <input type="radio" name="dispatch" value={dispatch} checked={value === dispatch} onChange={() => onChange(dispatch)} />
          <span class="choice__text">{dispatchLabel(dispatch)}</span>
          <span class="choice__price">{dispatch === "delivery" ? `Envío ${soles(app.tenant.delivery_fee_cents)}` : "Sin costo"}</span>
        </label>
      ))}
    </fieldset>
  );
}
