/**
 * Mercado Pago's JavaScript SDK (v2), loaded from the URL config.json names: Mercado Pago's own
 * (https://sdk.mercadopago.com/js/v2) in AWS, the local fake's stand-in in the local cloud. Card
 * data is typed into the SDK's Secure Fields and tokenized by Mercado Pago: it never reaches our
 * servers, which only receive the single-use card token.
 */
export interface SecureField {
  mount(containerId: string): SecureField;
  unmount(): void;
  on(event: "binChange", handler: (data: { bin: string | null }) => void): SecureField;
  on(event: "validityChange" | "error" | "ready", handler: (data: unknown) => void): SecureField;
}

export interface CardToken {
  id: string;
  first_six_digits?: string;
  last_four_digits?: string;
}

export interface PaymentMethod {
  id: string;
  name: string;
  payment_type_id: string;
}

export interface MercadoPagoInstance {
  fields: {
    create(type: "cardNumber" | "expirationDate" | "securityCode", options?: { placeholder?: string }): SecureField;
    createCardToken(data: { cardholderName: string; identificationType?: string; identificationNumber?: string }): Promise<CardToken>;
  };
  getPaymentMethods(data: { bin: string }): Promise<{ results: PaymentMethod[] }>;
}

declare global {
  interface Window {
    MercadoPago?: new (publicKey: string, options?: { locale?: string }) => MercadoPagoInstance;
  }
}

let loading: Promise<void> | null = null;

function loadScript(url: string): Promise<void> {
  loading ??= new Promise<void>((resolve, reject) => {
    const script = document.createElement("script");
    script.src = url;
    script.async = true;
    script.onload = () => resolve();
    script.onerror = () => {
      loading = null;
      reject(new Error("Mercado Pago SDK did not load"));
    };
    document.head.append(script);
  });
  return loading;
}

export async function mercadoPago(sdkUrl: string, publicKey: string): Promise<MercadoPagoInstance> {
  await loadScript(sdkUrl);
  if (!window.MercadoPago) throw new Error("Mercado Pago SDK did not define MercadoPago");
  return new window.MercadoPago(publicKey, { locale: "es-PE" });
}

/** The SDK's tokenization errors, in Spanish. */
export function cardFormMessage(error: unknown): string {
  const causes = Array.isArray(error) ? error : [error];
  const text = causes.map((cause) => JSON.stringify(cause ?? "")).join(" ");
  if (/cardNumber|card_number|3017/i.test(text)) return "Revisa el número de la tarjeta.";
  if (/securityCode|security_code|3018/i.test(text)) return "Revisa el código de seguridad (CVV).";
  if (/expiration|3019/i.test(text)) return "Revisa la fecha de vencimiento (MM/AA).";
  if (/cardholder/i.test(text)) return "Escribe el nombre como aparece en la tarjeta.";
  return "No pudimos validar la tarjeta. Revisa los datos e inténtalo de nuevo.";
}
