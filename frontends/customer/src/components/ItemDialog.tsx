/** Add a product or combo to the cart: size, quantity, notes ("sin cebolla"). */
import { useState } from "preact/hooks";
import { soles } from "../../../shared/money";
import { Button, Dialog, Form, TextArea } from "../../../shared/ui";
import { MAX_NOTES, MAX_QUANTITY } from "../cart";
import type { MenuItem } from "../../../shared/catalog";

export interface ItemChoice {
  size: string;
  quantity: number;
  notes: string;
}

export function Stepper({ value, onChange, label }: { value: number; onChange: (value: number) => void; label: string }) {
  return (
    <div class="stepper" role="group" aria-label={label}>
      <button type="button" onClick={() => onChange(Math.max(1, value - 1))} disabled={value <= 1} aria-label="Quitar uno">
        −
      </button>
      <output aria-live="polite">{value}</output>
      <button type="button" onClick={() => onChange(Math.min(MAX_QUANTITY, value + 1))} disabled={value >= MAX_QUANTITY} aria-label="Agregar uno">
        +
      </button>
    </div>
  );
}

export function SizeChoice({
  item,
  value,
  onChange,
}: {
  item: Pick<MenuItem, "sizes">;
  value: string;
  onChange: (size: string) => void;
}) {
  return (
    <fieldset>
      <legend>Tamaño</legend>
      {item.sizes.map((size) => (
        <label class="choice" key={size.size}>
          <input type="radio" name="size" value={size.size} checked={value === size.size} onChange={() => onChange(size.size)} />
          <span class="choice__text">{size.size.charAt(0).toUpperCase() + size.size.slice(1)}</span>
          <span class="choice__price">{soles(size.price_cents)}</span>
        </label>
      ))}
    </fieldset>
  );
}

export function ItemDialog({
  item,
  onClose,
  onAdd,
  initial,
  actionLabel = "Agregar",
}: {
  item: MenuItem | null;
  onClose: () => void;
  onAdd: (choice: ItemChoice) => void;
  initial?: ItemChoice;
  actionLabel?: string;
}) {
  return (
    <Dialog title={item?.name ?? ""} open={item !== null} onClose={onClose}>
      {item && <ItemForm key={`${item.kind}:${item.id}`} item={item} onAdd={onAdd} initial={initial} actionLabel={actionLabel} />}
    </Dialog>
  );
}

function ItemForm({ item, onAdd, initial, actionLabel }: { item: MenuItem; onAdd: (choice: ItemChoice) => void; initial?: ItemChoice; actionLabel: string }) {
  const [size, setSize] = useState(initial?.size ?? item.sizes[0]?.size ?? "");
  const [quantity, setQuantity] = useState(initial?.quantity ?? 1);
  const [notes, setNotes] = useState(initial?.notes ?? "");
  const unit = item.sizes.find((s) => s.size === size)?.price_cents ?? 0;
  const submit = () => {
    onAdd({ size, quantity, notes });
  };
  return (
    <Form class="dialog__body stack" onSend={submit}>
      {item.image_url && <img class="item-dialog__image" src={item.image_url} alt="" width={192} height={192} />}
      {item.description && <p>{item.description}</p>}
      {item.points > 0 && <p class="small muted">Acumulas {item.points * quantity} puntos</p>}
      <SizeChoice item={item} value={size} onChange={setSize} />
      <div class="spread">
        <span id="cantidad-label" class="strong">
          Cantidad
        </span>
        <Stepper value={quantity} onChange={setQuantity} label="Cantidad" />
      </div>
      <TextArea
        label="Indicaciones (opcional)"
        placeholder="Por ejemplo: sin cebolla"
        maxLength={MAX_NOTES}
        value={notes}
        onInput={(event) => setNotes((event.target as HTMLTextAreaElement).value)}
      />
      <Button type="submit" class="button button--primary button--block">
        {actionLabel} · {soles(unit * quantity)}
      </Button>
    </Form>
  );
}
