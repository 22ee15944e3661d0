/** Unit tests of the web apps' pure modules (cart, money, dates, timeline, API errors, live reconnects). */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["frontends/**/*.test.ts"],
    environment: "node",
  },
});
