/*
 * The local cloud's stand-in for Mercado Pago's browser SDK (https://sdk.mercadopago.com/js/v2).
 *
 * It offers the subset the customer app uses, with the same names and shapes:
 *   new MercadoPago(publicKey, { locale })
 *   mp.fields.create("cardNumber" | "expirationDate" | "securityCode", { placeholder }).mount(containerId)
 *   field.on("binChange" | "validityChange" | "ready" | "error", handler), field.unmount()
 *   mp.fields.createCardToken({ cardholderName, identificationType, identificationNumber }) -> { id, ... }
 *   mp.getPaymentMethods({ bin }) -> { results: [{ id, name, payment_type_id }] }
 * The real SDK draws each secure field in an iframe of Mercado Pago's; this one draws a plain input
 * in the container and sends the card to the fake's /v1/card_tokens with the public key, exactly
 * where the real one sends it: never to the platform.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script && script.src ? script.src.replace(/\/js\/v2(\?.*)?$/, "") : "";
  var AUTOCOMPLETE = { cardNumber: "cc-number", expirationDate: "cc-exp", securityCode: "cc-csc" };

  function Field(type, options) {
    this.type = type;
    this.options = options || {};
    this.handlers = {};
    this.input = null;
  }
  Field.prototype.on = function (event, handler) {
    (this.handlers[event] = this.handlers[event] || []).push(handler);
    return this;
  };
  Field.prototype.emit = function (event, data) {
    (this.handlers[event] || []).forEach(function (handler) {
      handler(data);
    });
  };
  Field.prototype.mount = function (containerId) {
    var container = document.getElementById(containerId);
    if (!container) throw new Error("MercadoPago: no element with id " + containerId);
    var input = document.createElement("input");
    var self = this;
    var lastBin = null;
    input.type = "text";
    input.name = this.type;
    input.inputMode = "numeric";
    input.autocomplete = AUTOCOMPLETE[this.type] || "off";
    input.placeholder = this.options.placeholder || "";
    input.setAttribute("data-mp-field", this.type);
    var label = container.getAttribute("aria-labelledby");
    if (label) input.setAttribute("aria-labelledby", label);
    input.addEventListener("input", function () {
      if (self.type !== "cardNumber") return;
      var digits = input.value.replace(/\D/g, "");
      var bin = digits.length >= 6 ? digits.slice(0, 6) : null;
      if (bin !== lastBin) {
        lastBin = bin;
        self.emit("binChange", { bin: bin, field: self.type });
      }
    });
    container.appendChild(input);
    this.input = input;
    setTimeout(function () {
      self.emit("ready", { field: self.type });
    }, 0);
    return this;
  };
  Field.prototype.unmount = function () {
    if (this.input) this.input.remove();
    this.input = null;
  };
  Field.prototype.update = function () {
    return this;
  };
  Field.prototype.value = function () {
    return this.input ? this.input.value.trim() : "";
  };

  function MercadoPago(publicKey, options) {
    if (!(this instanceof MercadoPago)) throw new TypeError("MercadoPago must be called with new");
    if (!publicKey) throw new Error("MercadoPago: a public key is required");
    var fields = {};
    this.options = options || {};
    this.fields = {
      create: function (type, fieldOptions) {
        var field = new Field(type, fieldOptions);
        fields[type] = field;
        return field;
      },
      createCardToken: function (data) {
        var read = function (type) {
          return fields[type] ? fields[type].value() : "";
        };
        var number = read("cardNumber").replace(/\D/g, "");
        var code = read("securityCode").replace(/\D/g, "");
        var expiry = /^(\d{1,2})\s*\/\s*(\d{2}|\d{4})$/.exec(read("expirationDate"));
        var errors = [];
        if (number.length < 13 || number.length > 19) errors.push({ field: "cardNumber", message: "invalid cardNumber" });
        if (!expiry) errors.push({ field: "expirationDate", message: "invalid expirationDate" });
        if (code.length < 3 || code.length > 4) errors.push({ field: "securityCode", message: "invalid securityCode" });
        if (!data || !data.cardholderName) errors.push({ field: "cardholderName", message: "cardholderName is required" });
        if (errors.length) return Promise.reject(errors);
        var year = expiry[2].length === 2 ? 2000 + Number(expiry[2]) : Number(expiry[2]);
        var body = {
          card_number: number,
          security_code: code,
          expiration_month: Number(expiry[1]),
          expiration_year: year,
          cardholder: {
            name: data.cardholderName,
            identification: { type: data.identificationType || null, number: data.identificationNumber || null },
          },
        };
        return fetch(base + "/v1/card_tokens?public_key=" + encodeURIComponent(publicKey), {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body),
        }).then(function (answer) {
          return answer.json().then(function (payload) {
            return answer.ok ? payload : Promise.reject([payload]);
          });
        });
      },
    };
    this.getPaymentMethods = function (data) {
      var url = base + "/v1/payment_methods/search?public_key=" + encodeURIComponent(publicKey) + "&bins=" + encodeURIComponent((data && data.bin) || "");
      return fetch(url).then(function (answer) {
        return answer.json();
      });
    };
  }

  window.MercadoPago = MercadoPago;
})();
