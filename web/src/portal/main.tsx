import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { I18nProvider } from "./i18n.tsx";
import { PortalApp } from "./portal-app.tsx";
import "./portal.css";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <I18nProvider>
      <PortalApp />
    </I18nProvider>
  </StrictMode>,
);
