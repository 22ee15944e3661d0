/**
 * Pay an order: by card in the page (Mercado Pago's Secure Fields tokenize the card; we only send the
 * single-use token) or with Checkout Pro (a redirect to Mercado Pago and back to the order's page).
 * A declined card shows Mercado Pago's reason and the customer tries again.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../../../shared/errors";
import { useAction, useLoad } from "../../../shared/hooks";
import { soles } from "../../../shared/money";
import { Link, navigate } from "../../../shared/router";
import { Button, Field, Form, Loading, Notice } from "../../../shared/ui";
import { useApp } from "../context";
import { type MercadoPagoInstance, cardFormMessage, mercadoPago } from "../mercadopago";
import { type Order, paymentMessage, shortId } from "../../../shared/orders";

interface CardPaymentResult {
  payment_id: string;
  status: string;
  status_detail: string | null;
}

/** Paying re-prices the order: a new total comes back as 409 prices_changed and the order already has it. */
async function repricedAware<T>(pay: () => Promise<T>, onRepriced: () => void): Promise<T> {
  try {
    return await pay();
  } catch (error) {
    if (error instanceof ApiError && error.code === "prices_changed") onRepriced();
    throw error;
  }
}

function CardForm({ order, onRepriced }: { order: Order; onRepriced: () => void }) {
  const app = useApp();
  const [sdk, setSdk] = useState<MercadoPagoInstance | null>(null);
  const [sdkError, setSdkError] = useState<string | null>(null);
  const [holder, setHolder] = useState("");
  const [declined, setDeclined] = useState<string | null>(null);
  const method = useRef<string | null>(null);

  useEffect(() => {
    const key = app.tenant.mercadopago_public_key;
    if (!key) {
      setSdkError("Este restaurante todavía no acepta pagos con tarjeta aquí. Paga con Mercado Pago.");
      return;
    }
    let mounted: { unmount(): void }[] = [];
    mercadoPago(app.config.mercadopago_sdk_url, key)
      .then((mp) => {
        const number = mp.fields.create("cardNumber", { placeholder: "Número de tarjeta" }).mount("mp-card-number");
        number.on("binChange", async ({ bin }) => {
          method.current = null;
          if (!bin) return;
          const { results } = await mp.getPaymentMethods({ bin });
          method.current = results[0]?.id ?? null;
        });
        const expiry = mp.fields.create("expirationDate", { placeholder: "MM/AA" }).mount("mp-card-expiry");
        const code = mp.fields.create("securityCode", { placeholder: "CVV" }).mount("mp-card-code");
        mounted = [number, expiry, code];
        setSdk(mp);
      })
      .catch(() => setSdkError("No pudimos cargar el formulario de Mercado Pago. Revisa tu conexión o paga con Mercado Pago."));
    return () => {
      for (const field of mounted) field.unmount();
    };
  }, []);

  const pay = useAction(async () => {
    setDeclined(null);
    if (!sdk) return;
    let token: string;
    try {
      token = (await sdk.fields.createCardToken({ cardholderName: holder.trim() })).id;
    } catch (error) {
      setDeclined(cardFormMessage(error));
      return;
    }
    if (!method.current) {
      setDeclined("No reconocemos esta tarjeta. Revisa el número.");
      return;
    }
    const result = await repricedAware(
      () =>
        app.api.post<CardPaymentResult>(`pedidos/${order.order_id}/pago`, {
          card_token: token,
          payment_method_id: method.current,
          installments: 1,
        }),
      onRepriced,
    );
    if (result.status === "approved") navigate(`/pedido/${order.order_id}?pago=aprobado`);
    else if (result.status === "pending" || result.status === "in_process") navigate(`/pedido/${order.order_id}?pago=pendiente`);
    else setDeclined(paymentMessage(result.status, result.status_detail));
  });

  if (sdkError) return <Notice kind="warning">{sdkError}</Notice>;
  const submit = () => {
    if (!holder.trim()) {
      setDeclined("Escribe el nombre como aparece en la tarjeta.");
      return;
    }
    void pay.run();
  };
  return (
    <Form class="stack card-form" onSend={submit} aria-label="Pagar con tarjeta">
      {!sdk && <Loading label="Cargando el formulario seguro de Mercado Pago…" />}
      <div class="field">
        <span class="field__label" id="mp-card-number-label">
          Número de tarjeta
        </span>
        <div id="mp-card-number" class="secure-field" aria-labelledby="mp-card-number-label" />
      </div>
      <div class="row card-form__pair">
        <div class="field">
          <span class="field__label" id="mp-card-expiry-label">
            Vencimiento
          </span>
          <div id="mp-card-expiry" class="secure-field" aria-labelledby="mp-card-expiry-label" />
        </div>
        <div class="field">
          <span class="field__label" id="mp-card-code-label">
            Código (CVV)
          </span>
          <div id="mp-card-code" class="secure-field" aria-labelledby="mp-card-code-label" />
        </div>
      </div>
      <Field
        label="Nombre del titular"
        name="cardholder"
        autocomplete="cc-name"
        value={holder}
        onInput={(event) => setHolder((event.target as HTMLInputElement).value)}
      />
      {declined && <Notice kind="error">{declined}</Notice>}
      {pay.error && <Notice kind="error">{pay.error.message}</Notice>}
      <Button type="submit" busy={pay.busy} busyLabel="Procesando el pago…" disabled={!sdk} class="button button--primary button--block">
        Pagar {soles(order.total_cents)}
      </Button>
      <p class="small muted">Los datos de tu tarjeta van directo a Mercado Pago; nosotros no los vemos ni los guardamos.</p>
    </Form>
  );
}

function CheckoutPro({ order, onRepriced }: { order: Order; onRepriced: () => void }) {
  const app = useApp();
  const start = useAction(async () => {
    const started = await repricedAware(
      () => app.api.post<{ checkout_url: string }>(`pedidos/${order.order_id}/pago`),
      onRepriced,
    );
    window.location.assign(started.checkout_url);
  });
  return (
    <div class="stack">
      <p>Paga con tu cuenta de Mercado Pago, Yape o tarjeta en la página de Mercado Pago. Al terminar vuelves aquí.</p>
      {start.error && <Notice kind="error">{start.error.message}</Notice>}
      <Button busy={start.busy} busyLabel="Abriendo Mercado Pago…" onClick={() => void start.run()} class="button button--primary button--block">
        Ir a Mercado Pago
      </Button>
    </div>
  );
}

export function PayPage({ orderId }: { orderId: string }) {
  const app = useApp();
  const order = useLoad(() => app.api.get<Order>(`pedidos/${orderId}`), [orderId]);
  const [method, setMethod] = useState<"card" | "checkout">("card");
  useEffect(() => {
    if (order.data && order.data.estado_pedido !== "PENDIENTE_PAGO") navigate(`/pedido/${orderId}`, { replace: true });
  }, [order.data]);
  if (order.error) {
    return (
      <main id="contenido" class="narrow">
        <Notice kind="error">{order.error}</Notice>
      </main>
    );
  }
  if (!order.data) {
    return (
      <main id="contenido" class="narrow">
        <Loading />
      </main>
    );
  }
  return (
    <main id="contenido" class="narrow">
      <h1>Pagar pedido {shortId(order.data.order_id)}</h1>
      <p class="pay-total">
        Total a pagar: <strong data-testid="total">{soles(order.data.total_cents)}</strong>
      </p>
      {order.data.payment.status === "rejected" && (
        <Notice kind="warning">{paymentMessage(order.data.payment.status, order.data.payment.status_detail)}</Notice>
      )}
      <div class="tabs" role="tablist" aria-label="Medio de pago">
        <button type="button" role="tab" class="tab" aria-selected={method === "card"} aria-controls="pago-panel" onClick={() => setMethod("card")}>
          Tarjeta
        </button>
        <button type="button" role="tab" class="tab" aria-selected={method === "checkout"} aria-controls="pago-panel" onClick={() => setMethod("checkout")}>
          Mercado Pago
        </button>
      </div>
      <section class="card" id="pago-panel" role="tabpanel">
        {method === "card" ? (
          <CardForm order={order.data} onRepriced={() => void order.reload()} />
        ) : (
          <CheckoutPro order={order.data} onRepriced={() => void order.reload()} />
        )}
      </section>
      <p class="small">
        <Link to={`/pedido/${orderId}`}>Ver el pedido</Link>
      </p>
    </main>
  );
}

