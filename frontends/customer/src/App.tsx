/** The customer app: the header and the screen the address names. */
import { BookIcon, CartIcon, ListIcon, UserIcon } from "../../shared/icons";
import { Link, match, useLocation } from "../../shared/router";
import { Shell } from "../../shared/Shell";
import { useStore } from "../../shared/store";
import { itemCount } from "./cart";
import { AppContext, type CustomerApp, useApp } from "./context";
import { AccountPage } from "./pages/AccountPage";
import { CartPage } from "./pages/CartPage";
import { CheckoutPage } from "./pages/CheckoutPage";
import { ComplaintFormPage } from "./pages/ComplaintFormPage";
import { ForgotPasswordPage, ResetPasswordPage, VerifyPage } from "./pages/EmailLinkPages";
import { LocationsPage } from "./pages/LocationsPage";
import { LoginPage, RegisterPage } from "./pages/LoginPage";
import { MenuPage } from "./pages/MenuPage";
import { MyComplaintsPage } from "./pages/MyComplaintsPage";
import { OrderPage } from "./pages/OrderPage";
import { OrdersPage } from "./pages/OrdersPage";
import { PayPage } from "./pages/PayPage";

function Screen() {
  const { path } = useLocation();
  let params: Record<string, string> | null;
  if (path === "/") return <MenuPage />;
  if (path === "/locales") return <LocationsPage />;
  if (path === "/carrito") return <CartPage />;
  if (path === "/checkout") return <CheckoutPage />;
  if (path === "/ingresar") return <LoginPage />;
  if (path === "/registro") return <RegisterPage />;
  if (path === "/verificar") return <VerifyPage />;
  if (path === "/recuperar") return <ForgotPasswordPage />;
  if (path === "/restablecer") return <ResetPasswordPage />;
  if (path === "/perfil") return <AccountPage />;
  if (path === "/pedidos") return <OrdersPage />;
  if (path === "/libro-de-reclamaciones") return <ComplaintFormPage />;
  if (path === "/mis-reclamos") return <MyComplaintsPage />;
  if ((params = match("/pedido/:id/pagar", path))) return <PayPage orderId={params.id} />;
  if ((params = match("/pedido/:id", path))) return <OrderPage key={params.id} orderId={params.id} />;
  return (
    <main id="contenido" class="narrow">
      <h1>Página no encontrada</h1>
      <p>
        Esta dirección no existe. <Link to="/">Ir a la carta</Link>
      </p>
    </main>
  );
}

function Navigation() {
  const app = useApp();
  const session = useStore(app.sessions);
  const cart = useStore(app.cart);
  const count = itemCount(cart);
  return (
    <nav aria-label="Principal">
      {session ? (
        <>
          <Link to="/pedidos" class="topbar__link">
            <ListIcon />
            <span class="topbar__label">Mis pedidos</span>
          </Link>
          <Link to="/perfil" class="topbar__link">
            <UserIcon />
            <span class="topbar__label">Mi cuenta</span>
          </Link>
        </>
      ) : (
        <Link to="/ingresar" class="topbar__link">
          <UserIcon />
          <span>Ingresar</span>
        </Link>
      )}
      <Link to="/carrito" class="topbar__link" aria-label={`Carrito, ${count} ${count === 1 ? "producto" : "productos"}`}>
        <CartIcon />
        {count > 0 && (
          <span class="badge-count" aria-hidden="true">
            {count}
          </span>
        )}
      </Link>
    </nav>
  );
}

/** Under every screen: the Libro de Reclamaciones, visible as the law asks (signed out, it asks to log in first). */
function Footer() {
  const app = useApp();
  return (
    <footer class="site-footer">
      <Link to="/libro-de-reclamaciones" class="site-footer__book">
        <BookIcon />
        <span>Libro de Reclamaciones</span>
      </Link>
      <p class="small">{app.tenant.name}</p>
    </footer>
  );
}

export function App({ app }: { app: CustomerApp }) {
  return (
    <AppContext.Provider value={app}>
      <Shell brand={app.tenant.name} nav={<Navigation />}>
        <Screen />
        <Footer />
      </Shell>
    </AppContext.Provider>
  );
}
