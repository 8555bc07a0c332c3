/** The tenant's brand colour as CSS variables, with a readable text colour and an accessible (AA) text shade. */

function channels(hex: string): [number, number, number] {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

function luminance([r, g, b]: [number, number, number]): number {
  const linear = (channel: number) => {
    const c = channel / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(channels(a)), luminance(channels(b))].sort((p, q) => q - p) as [number, number];
  return (x + 0.05) / (y + 0.05);
}

function toHex(rgb: [number, number, number]): string {
  return `#${rgb.map((channel) => Math.round(channel).toString(16).padStart(2, "0")).join("")}`;
}

/** The colour at `alpha` over white (the tinted backgrounds of free days and hovered options). */
function tint(hex: string, alpha: number): string {
  return toHex(
    channels(hex).map((channel) => 255 * (1 - alpha) + channel * alpha) as [number, number, number],
  );
}

/**
 * Darkens a colour step by step until it reads at 4.5:1 on white and on the brand's own strongest tint (18 %), where
 * free days show their numbers (text, borders, focus rings).
 */
export function readableOnWhite(hex: string): string {
  const background = tint(hex, 0.18);
  let rgb = channels(hex);
  const readable = () => Math.min(contrast(toHex(rgb), "#ffffff"), contrast(toHex(rgb), background)) >= 4.5;
  for (let step = 0; step < 40 && !readable(); step += 1)
    rgb = rgb.map((channel) => channel * 0.92) as [number, number, number];
  return toHex(rgb);
}

export const DEFAULT_BRAND = "#2456d6";

export function applyBrand(color: string | undefined): void {
  const brand = color && /^#[0-9a-f]{6}$/i.test(color) ? color.toLowerCase() : DEFAULT_BRAND;
  // Buttons filled with the brand: white or near-black text, whichever reads better; the fill itself darkened
  // when neither reaches 4.5:1.
  const onBrand = contrast(brand, "#ffffff") >= contrast(brand, "#111827") ? "#ffffff" : "#111827";
  const fill = contrast(brand, onBrand) >= 4.5 ? brand : readableOnWhite(brand);
  const style = document.documentElement.style;
  style.setProperty("--brand", fill);
  style.setProperty("--on-brand", contrast(fill, onBrand) >= 4.5 ? onBrand : "#ffffff");
  style.setProperty("--brand-text", readableOnWhite(brand));
  const [r, g, b] = channels(brand);
  style.setProperty("--brand-soft", `rgba(${r}, ${g}, ${b}, 0.1)`);
  style.setProperty("--brand-soft-strong", `rgba(${r}, ${g}, ${b}, 0.18)`);
}
