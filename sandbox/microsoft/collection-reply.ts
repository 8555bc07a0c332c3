import type { GraphContext } from "./context.ts";
import { readExtendedExpand, renderEvent } from "./event-render.ts";
import type { SandboxReply } from "./http-kit.ts";
import type { EventInstance } from "./instances.ts";
import { applyOrder, pageOf, readODataQuery } from "./odata-query.ts";
import { preferenceHeaders, readPreferences } from "./prefer-header.ts";

export function contextUrl(ctx: GraphContext, suffix: string): string {
  const owner = ctx.mailbox ? `users('${encodeURIComponent(ctx.mailbox.userPrincipalName)}')/` : "";
  return `${ctx.origin}/v1.0/$metadata#${owner}${suffix}`;
}

/** A paged collection of plain JSON items: value[] plus @odata.nextLink when more remain. */
export function collectionReply(params: {
  ctx: GraphContext;
  items: Record<string, unknown>[];
  contextSuffix: string;
  defaultPageSize: number;
  headers?: Record<string, string>;
}): SandboxReply {
  const { ctx } = params;
  const query = readODataQuery(ctx.req.url.searchParams);
  const filtered = query.filter ? params.items.filter(query.filter) : params.items;
  const ordered = applyOrder(filtered, query.orderBy);
  const page = pageOf({
    items: ordered,
    query,
    defaultPageSize: params.defaultPageSize,
    requestUrl: ctx.req.url,
    origin: ctx.origin,
  });
  const value = query.select
    ? page.value.map((item) => {
        const picked: Record<string, unknown> = { id: item.id };
        if ("@odata.etag" in item) picked["@odata.etag"] = item["@odata.etag"];
        for (const key of query.select ?? []) if (key in item) picked[key] = item[key];
        return picked;
      })
    : page.value;
  return {
    status: 200,
    headers: params.headers ?? {},
    body: {
      "@odata.context": contextUrl(ctx, params.contextSuffix),
      value,
      ...(page.nextLink ? { "@odata.nextLink": page.nextLink } : {}),
    },
  };
}

/** Events rendered with the caller's Prefer headers, then filtered, ordered, selected and paged. */
export function eventCollectionReply(
  ctx: GraphContext,
  instances: EventInstance[],
  contextSuffix: string,
): SandboxReply {
  const preferences = readPreferences(ctx.req);
  const extendedIds = readExtendedExpand(ctx.req.url.searchParams);
  const items = instances
    .sort((a, b) => a.startMs - b.startMs)
    .map((instance) =>
      renderEvent(instance, {
        preferTimeZone: preferences.timeZone,
        bodyContentType: preferences.bodyContentType,
        select: null,
        extendedIds,
      }),
    );
  // Default page size 10 (observed for calendarView and events lists).
  return collectionReply({
    ctx,
    items,
    contextSuffix,
    defaultPageSize: 10,
    headers: preferenceHeaders(preferences),
  });
}
