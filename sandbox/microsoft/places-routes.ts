import { collectionReply } from "./collection-reply.ts";
import type { GraphContext } from "./context.ts";
import { requireScope } from "./graph-auth.ts";
import { accessDenied, itemNotFound } from "./graph-errors.ts";
import type { Router, SandboxReply } from "./http-kit.ts";
import type { Mailbox } from "./model.ts";

/** Places need Place.Read.All (admin consent) and exist for work/school tenants only (reference 2.10). */
function tenantOf(ctx: GraphContext): string {
  requireScope(ctx.grant, ["Place.Read.All"]);
  const caller = ctx.grant.mailboxId ? ctx.state.mailboxes.get(ctx.grant.mailboxId) : undefined;
  if (caller?.kind === "personal") throw accessDenied();
  return caller?.tenantId ?? ctx.grant.tenantId;
}

function renderRoom(room: Mailbox): Record<string, unknown> {
  return { id: room.id, emailAddress: room.mail, displayName: room.displayName, ...room.place };
}

function rooms(ctx: GraphContext, roomListEmail?: string): Mailbox[] {
  const tenantId = tenantOf(ctx);
  return [...ctx.state.mailboxes.values()].filter(
    (m) =>
      m.kind === "room" &&
      m.tenantId === tenantId &&
      (!roomListEmail || m.roomListEmail?.toLowerCase() === roomListEmail.toLowerCase()),
  );
}

function listRooms(ctx: GraphContext): SandboxReply {
  const items = rooms(ctx).map(renderRoom);
  return collectionReply({ ctx, items, contextSuffix: "places/microsoft.graph.room", defaultPageSize: 100 });
}

function listRoomLists(ctx: GraphContext): SandboxReply {
  const tenantId = tenantOf(ctx);
  const items = [...ctx.state.roomLists.values()]
    .filter((list) => list.tenantId === tenantId)
    .map((list) => ({ id: list.id, displayName: list.displayName, emailAddress: list.emailAddress }));
  return collectionReply({
    ctx,
    items,
    contextSuffix: "places/microsoft.graph.roomList",
    defaultPageSize: 100,
  });
}

/** Room lists are addressed by email, not id. */
function listRoomsInList(ctx: GraphContext): SandboxReply {
  const email = ctx.req.params.listEmail ?? "";
  const list = [...ctx.state.roomLists.values()].find(
    (l) => l.emailAddress.toLowerCase() === email.toLowerCase(),
  );
  if (!list) throw itemNotFound();
  const items = rooms(ctx, list.emailAddress).map(renderRoom);
  return collectionReply({ ctx, items, contextSuffix: "places/microsoft.graph.room", defaultPageSize: 100 });
}

export function registerPlacesRoutes(router: Router<GraphContext>): void {
  router.add("GET", "/places/microsoft.graph.room", listRooms);
  router.add("GET", "/places/microsoft.graph.roomlist", listRoomLists);
  router.add("GET", "/places/:listEmail/microsoft.graph.roomlist/rooms", listRoomsInList);
}
