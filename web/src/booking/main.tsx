import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "../shared/styles.css";
import { BookingApp } from "./booking-app.tsx";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <BookingApp />
  </StrictMode>,
);
