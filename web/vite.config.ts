import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/**
 * The web UI: two pages (the public booking page and the host portal) built into static assets that the service
 * serves itself from web/dist under /ui/ (no CDN: it must work offline). `npm run build` runs this; `npm install`
 * runs it too (the `prepare` script), so a fresh clone's `npm install && npm start` serves the UI.
 */
const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  base: "/ui/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Inline nothing from a CDN; keep asset names hashed so they can be cached for a year.
    assetsInlineLimit: 0,
    rollupOptions: {
      input: { booking: `${root}booking.html`, portal: `${root}portal.html` },
    },
  },
  logLevel: "warn",
});
