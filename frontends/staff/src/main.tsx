/** The staff app (boards and admin console): built on the customer app's stack; screens in progress. */
import "../../shared/styles.css";
import { render } from "preact";

function Placeholder() {
  return (
    <main id="contenido" class="narrow">
      <h1>Bembos · Personal</h1>
      <p>Los tableros de cocina, empaquetado y delivery llegan pronto.</p>
    </main>
  );
}

render(<Placeholder />, document.getElementById("app") as HTMLElement);
