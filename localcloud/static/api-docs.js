/*
 * The local cloud's API documentation page (localcloud/apidocs.py): Swagger UI, and a session bar above it.
 *
 * The bar logs in with the API's own POST /usuarios/login (X-Tenant-Id: the chosen tenant) and gives the
 * token to Swagger UI as the "sesion" scheme (Authorization: Bearer); the chosen tenant is the "tenant"
 * scheme (X-Tenant-Id) of the public routes. A login run from Swagger UI itself ("Try it out" on
 * POST /usuarios/login) is taken up the same way, so its token is used by the calls after it.
 */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("docs-config").textContent);
  var form = document.getElementById("sesion");
  var tenant = document.getElementById("tenant");
  var email = document.getElementById("email");
  var password = document.getElementById("password");
  var logout = document.getElementById("salir");
  var status = document.getElementById("estado");

  function say(text) {
    status.textContent = text;
  }

  function signedIn(tenantId, who, token) {
    ui.preauthorizeApiKey("tenant", tenantId);
    ui.preauthorizeApiKey("sesion", token);
    logout.hidden = false;
    say("Sesión de " + who + " en " + tenantId + ": cada llamada lleva su token (Authorization: Bearer).");
  }

  var ui = SwaggerUIBundle({
    url: config.openapi,
    dom_id: "#swagger-ui",
    deepLinking: true,
    tryItOutEnabled: true,
    displayRequestDuration: true,
    filter: true, // a box that narrows the list to a resource (tag), e.g. "pedidos"
    defaultModelsExpandDepth: -1, // each operation shows its own schemas; no list of all of them at the end
    onComplete: function () {
      ui.preauthorizeApiKey("tenant", tenant.value);
      document.getElementById("ingresar").disabled = false; // until now a press would have nowhere to go
    },
    responseInterceptor: function (response) {
      var login = /\/usuarios\/login$/.test(new URL(response.url, location.href).pathname);
      if (login && response.ok && response.body && response.body.token) {
        var who = response.body.name || response.body.rol || "la cuenta";
        signedIn(response.body.token.split(".")[0], who, response.body.token);
      }
      return response;
    },
  });

  tenant.addEventListener("change", function () {
    ui.preauthorizeApiKey("tenant", tenant.value);
  });

  // Picking a demo account of another tenant switches the tenant to it.
  email.addEventListener("change", function () {
    var options = document.querySelectorAll("#cuentas option");
    var tenants = [];
    options.forEach(function (option) {
      if (option.value === email.value) tenants.push(option.dataset.tenant);
    });
    if (tenants.length && tenants.indexOf(tenant.value) < 0) {
      tenant.value = tenants[0];
      ui.preauthorizeApiKey("tenant", tenant.value);
    }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    say("Iniciando sesión…");
    fetch(config.api + "usuarios/login", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Tenant-Id": tenant.value },
      body: JSON.stringify({ email: email.value, password: password.value }),
    })
      .then(function (answer) {
        return answer.json().then(function (body) {
          if (!answer.ok || !body.token) {
            say("No se pudo iniciar sesión: " + (body.message || body.error || answer.status));
            return;
          }
          signedIn(tenant.value, email.value + " (" + body.rol + ")", body.token);
        });
      })
      .catch(function (error) {
        say("No se pudo iniciar sesión: " + error);
      });
  });

  logout.addEventListener("click", function () {
    ui.authActions.logout(["sesion"]);
    logout.hidden = true;
    say("Sin sesión: las rutas públicas llevan X-Tenant-Id del tenant elegido.");
  });
})();
