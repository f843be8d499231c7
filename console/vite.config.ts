import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/** The console: a single-page app served by the API at /console (api/routes/console.ts). Build: `vite build console`. */
export default defineConfig({
  base: "/console/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Browsers of the last few years: no legacy bundle.
    target: "es2022",
    // The server's Content-Security-Policy allows scripts from our origin only: no inline module preload.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
});
