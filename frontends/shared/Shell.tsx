/** The frame both apps draw: a skip link, the top bar with the tenant's brand, then the screen. */
import type { ComponentChildren } from "preact";
import { Link } from "./router";

export function Shell({ brand, nav, children }: { brand: string; nav?: ComponentChildren; children: ComponentChildren }) {
  return (
    <>
      <a class="skip-link" href="#contenido">
        Saltar al contenido
      </a>
      <header class="topbar">
        <Link to="/" class="brand">
          <span class="brand__mark" aria-hidden="true">
            B
          </span>
          <span class="brand__name">{brand}</span>
        </Link>
        {nav}
      </header>
      {children}
    </>
  );
}
