/**
 * Picks the representation a client prefers from its Accept header (RFC 9110 §12.5.1): each offered type takes the
 * quality of the most specific range that matches it (`text/html` over `text/*` over `*\/*`); the highest quality
 * wins and ties go to the type offered first. Without an Accept header, or when nothing offered is acceptable, the
 * first offered type is used: answering something is more useful to a person than a 406.
 */
export function negotiateType<T extends string>(
  accept: string | undefined,
  offered: readonly [T, ...T[]],
): T {
  if (!accept) return offered[0];
  const ranges = accept.split(",").flatMap((part) => {
    const [range = "", ...params] = part.split(";").map((piece) => piece.trim().toLowerCase());
    const [type, subtype] = range.split("/");
    if (!type || !subtype) return [];
    const qParam = params.find((param) => param.startsWith("q="));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    return Number.isFinite(q) ? [{ type, subtype, q: Math.min(Math.max(q, 0), 1) }] : [];
  });
  let best: { type: T; q: number } | undefined;
  for (const candidate of offered) {
    const [type, subtype] = candidate.toLowerCase().split("/");
    let quality: number | undefined;
    let specificity = -1;
    for (const range of ranges) {
      const rank =
        range.type === type && range.subtype === subtype
          ? 2
          : range.type === type && range.subtype === "*"
            ? 1
            : range.type === "*" && range.subtype === "*"
              ? 0
              : -1;
      if (rank > specificity) {
        specificity = rank;
        quality = range.q;
      }
    }
    if (quality !== undefined && quality > 0 && (best === undefined || quality > best.q)) {
      best = { type: candidate, q: quality };
    }
  }
  return best?.type ?? offered[0];
}
