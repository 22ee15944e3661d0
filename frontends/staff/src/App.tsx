/** The staff app: login and activation for everyone; then each person's screen by role. */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Link, currentPath, match, navigate, useLocation } from "../../shared/router";
import { Shell } from "../../shared/Shell";
import { useStore } from "../../shared/store";
import { Loading, Notice } from "../../shared/ui";
import { AdminLayout } from "./admin/AdminLayout";
import { LocationsAdmin } from "./admin/LocationsAdmin";
import { MenuAdmin } from "./admin/MenuAdmin";
import { OrderDetail, OrdersAdmin } from "./admin/OrdersAdmin";
import { StaffAdmin } from "./admin/StaffAdmin";
import { LocationSelect, LocationsContext, useChosenLocation, useLocationsLoader } from "./admin/common";
import { Board } from "./board/Board";
import { AppContext, type StaffApp, TopbarSlot, useApp } from "./context";
import { ActivatePage } from "./pages/ActivatePage";
import { LoginPage } from "./pages/LoginPage";
import { BOARDS, ROLE_LABELS, type Rol, homeFor, mayOpen } from "./roles";

function AdminBoard({ path }: { path: string }) {
  const [location, setLocation] = useChosenLocation();
  const board = BOARDS.find((b) => `/${b.path}` === path);
  if (!board || !location) return null;
  return (
    <>
      <LocationSelect value={location} onChange={setLocation} className="field board__picker" />
      <Board board={board} locationId={location} />
    </>
  );
}

type MetricsScreen = typeof import("./admin/MetricsAdmin");
let metricsScreen: Promise<MetricsScreen> | null = null;

/**
 * The metrics dashboard, fetched when an admin first opens it: its code and its chart library are a chunk
 * of their own (a dynamic import), so the boards, on every kitchen tablet, never download them.
 */
function Metrics() {
  const [screen, setScreen] = useState<MetricsScreen | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    metricsScreen ??= import("./admin/MetricsAdmin");
    metricsScreen.then(
      (module) => live && setScreen(module),
      () => {
        metricsScreen = null; // the next visit tries again
        if (live) setFailed(true);
      },
    );
    return () => {
      live = false;
    };
  }, []);
  if (screen) return <screen.MetricsAdmin />;
  return (
    <main id="contenido">
      {failed ? <Notice kind="error">No pudimos cargar las métricas. Revisa tu conexión y recarga la página.</Notice> : <Loading label="Cargando métricas…" />}
    </main>
  );
}

type ComplaintsScreens = typeof import("./admin/ComplaintsAdmin");
let complaintsScreens: Promise<ComplaintsScreens> | null = null;

/** The complaints book, like the metrics: a chunk of its own, fetched when an admin opens it (never on a board). */
function Complaints({ numero }: { numero?: string }) {
  const [screens, setScreens] = useState<ComplaintsScreens | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    complaintsScreens ??= import("./admin/ComplaintsAdmin");
    complaintsScreens.then(
      (module) => live && setScreens(module),
      () => {
        complaintsScreens = null; // the next visit tries again
        if (live) setFailed(true);
      },
    );
    return () => {
      live = false;
    };
  }, []);
  if (screens) return numero ? <screens.ComplaintDetail key={numero} numero={numero} /> : <screens.ComplaintsAdmin />;
  return (
    <main id="contenido">
      {failed ? <Notice kind="error">No pudimos cargar el libro. Revisa tu conexión y recarga la página.</Notice> : <Loading label="Cargando el libro…" />}
    </main>
  );
}

/** The admin's screens share one read of the tenant's locations. */
function AdminScreens({ children }: { children: ComponentChildren }) {
  const locations = useLocationsLoader();
  return <LocationsContext.Provider value={locations}>{children}</LocationsContext.Provider>;
}

function Screen() {
  const app = useApp();
  const session = useStore(app.sessions);
  const { path } = useLocation();
  const open = path === "/ingresar" || path === "/activar";
  useEffect(() => {
    if (!session && !open) navigate(`/ingresar?volver=${encodeURIComponent(currentPath())}`, { replace: true });
    else if (session && path === "/") navigate(homeFor(session.rol), { replace: true });
  }, [session?.token, path]);
  if (path === "/ingresar") return <LoginPage />;
  if (path === "/activar") return <ActivatePage />;
  if (!session || path === "/") return null;
  if (!mayOpen(session.rol, path)) {
    return (
      <main id="contenido" class="narrow">
        <h1>No tienes acceso a esta pantalla</h1>
        <Notice kind="warning">Tu cuenta es de {ROLE_LABELS[session.rol as Rol] ?? session.rol}.</Notice>
        <Link to={homeFor(session.rol)} class="button button--primary">
          Ir a mi pantalla
        </Link>
      </main>
    );
  }
  const board = BOARDS.find((b) => `/${b.path}` === path);
  if (board) {
    return session.rol === "admin" ? (
      <AdminScreens>
        <AdminBoard path={path} />
      </AdminScreens>
    ) : (
      <Board board={board} />
    );
  }
  let params: Record<string, string> | null;
  if (path.startsWith("/admin")) {
    let screen = null;
    if (path === "/admin" || path === "/admin/metricas") screen = <Metrics />;
    else if (path === "/admin/pedidos") screen = <OrdersAdmin />;
    else if ((params = match("/admin/pedidos/:id", path))) screen = <OrderDetail key={params.id} orderId={params.id} />;
    else if (path === "/admin/personal") screen = <StaffAdmin />;
    else if (path === "/admin/carta") screen = <MenuAdmin />;
    else if (path === "/admin/locales") screen = <LocationsAdmin />;
    else if (path === "/admin/reclamaciones") screen = <Complaints />;
    else if ((params = match("/admin/reclamaciones/:numero", path))) screen = <Complaints key={params.numero} numero={params.numero} />;
    if (screen) {
      return (
        <AdminScreens>
          <AdminLayout>{screen}</AdminLayout>
        </AdminScreens>
      );
    }
  }
  return (
    <main id="contenido" class="narrow">
      <h1>Página no encontrada</h1>
      <Link to={homeFor(session.rol)}>Ir a mi pantalla</Link>
    </main>
  );
}

function Account({ slot }: { slot: (element: HTMLElement | null) => void }) {
  const app = useApp();
  const session = useStore(app.sessions);
  const logout = async () => {
    try {
      await app.api.post("usuarios/logout");
    } catch {
      /* the session ends here whatever the server says */
    }
    app.sessions.set(null);
    navigate("/ingresar");
  };
  if (!session) return null;
  return (
    <nav aria-label="Cuenta">
      <span class="topbar__slot" ref={slot} />
      <span class="topbar__who">
        {session.name ?? session.email} · {ROLE_LABELS[session.rol as Rol] ?? session.rol}
      </span>
      <button type="button" class="topbar__link" onClick={() => void logout()}>
        Salir
      </button>
    </nav>
  );
}

export function App({ app }: { app: StaffApp }) {
  const [slot, setSlot] = useState<HTMLElement | null>(null);
  return (
    <AppContext.Provider value={app}>
      <TopbarSlot.Provider value={slot}>
        <Shell brand={app.tenant.name} nav={<Account slot={setSlot} />}>
          <Screen />
        </Shell>
      </TopbarSlot.Provider>
    </AppContext.Provider>
  );
}
