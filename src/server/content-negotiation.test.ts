import { describe, expect, it } from "vitest";
import { negotiateType } from "./content-negotiation.ts";

const offered = ["application/json", "text/html"] as const;

describe("negotiateType", () => {
  it.each([
    [undefined, "application/json"],
    ["", "application/json"],
    ["*/*", "application/json"], // curl
    ["application/json", "application/json"],
    // Firefox and Chrome navigating to a page.
    ["text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"],
    [
      "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
      "text/html",
    ],
    ["text/*", "text/html"],
    ["TEXT/HTML", "text/html"],
    ["application/json;q=0.5, text/html;q=0.9", "text/html"],
    ["text/html;q=0.5, application/json", "application/json"],
    ["text/html, application/json", "application/json"], // a tie goes to the first offered
    ["text/html;q=0, */*", "application/json"], // q=0 means "not acceptable"
    ["*/*;q=0.1, text/html;q=0", "application/json"],
    ["image/png", "application/json"], // nothing acceptable: the default
    ["garbage, ;;, /", "application/json"],
    ["text/html;q=abc, application/json;q=0.2", "application/json"],
  ])("Accept %j -> %s", (accept, expected) => {
    expect(negotiateType(accept, offered)).toBe(expected);
  });
});
