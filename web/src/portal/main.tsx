import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

/** Placeholder shell of the host portal. */
function PortalApp() {
  return (
    <main>
      <h1>Calendar settings</h1>
    </main>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <PortalApp />
  </StrictMode>,
);
