/**
 * One build setup for both web apps: `vite build --mode customer|staff`.
 * Each app is built under its own base (/clientes/, /staff/) into dist/<app>/<base>/, the folder
 * FrontendStack deploys to Amplify and the local cloud serves: the same bytes in both places.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));
export const APPS: Record<string, string> = { customer: "clientes", staff: "staff" };

export default defineConfig(({ mode }) => {
  const mount = APPS[mode];
  if (!mount) throw new Error(`build one app: --mode ${Object.keys(APPS).join("|")}`);
  return {
    root: `${here}${mode}`,
    base: `/${mount}/`,
    publicDir: false,
    logLevel: "warn",
    build: {
      outDir: `${here}dist/${mode}/${mount}`,
      emptyOutDir: true,
      target: "es2020",
      sourcemap: false,
      reportCompressedSize: false,
    },
    oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  };
});
