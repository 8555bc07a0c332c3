import { collectionReply, contextUrl } from "./collection-reply.ts";
import type { GraphContext } from "./context.ts";
import { calendarOf, mailboxOf } from "./event-routes.ts";
import { READ_CALENDARS, requireScope } from "./graph-auth.ts";
import type { Router, SandboxReply } from "./http-kit.ts";
import type { StoredCalendar } from "./model.ts";

function me(ctx: GraphContext): SandboxReply {
  requireScope(ctx.grant, ["User.Read", "User.ReadBasic.All", "User.Read.All"]);
  const m = mailboxOf(ctx);
  return {
    status: 200,
    body: {
      "@odata.context": `${ctx.origin}/v1.0/$metadata#users/$entity`,
      businessPhones: m.businessPhones,
      displayName: m.displayName,
      givenName: m.givenName,
      jobTitle: m.jobTitle,
      mail: m.mail,
      mobilePhone: m.mobilePhone,
      officeLocation: m.officeLocation,
      preferredLanguage: m.preferredLanguage,
      surname: m.surname,
      userPrincipalName: m.userPrincipalName,
      id: m.id,
    },
  };
}

function mailboxSettings(ctx: GraphContext): SandboxReply {
  requireScope(ctx.grant, ["MailboxSettings.Read", "MailboxSettings.ReadWrite"]);
  return {
    status: 200,
    body: { "@odata.context": contextUrl(ctx, "mailboxSettings"), ...mailboxOf(ctx).mailboxSettings },
  };
}

function mailboxTimeZone(ctx: GraphContext): SandboxReply {
  requireScope(ctx.grant, ["MailboxSettings.Read", "MailboxSettings.ReadWrite"]);
  return {
    status: 200,
    body: {
      "@odata.context": contextUrl(ctx, "mailboxSettings/timeZone"),
      value: mailboxOf(ctx).mailboxSettings.timeZone,
    },
  };
}

export function renderCalendar(ctx: GraphContext, calendar: StoredCalendar): Record<string, unknown> {
  const owner = mailboxOf(ctx);
  const work = owner.kind !== "personal";
  return {
    id: calendar.id,
    name: calendar.name,
    color: calendar.color,
    hexColor: calendar.hexColor,
    isDefaultCalendar: calendar.isDefaultCalendar,
    changeKey: calendar.changeKey,
    canShare: calendar.isDefaultCalendar,
    canViewPrivateItems: true,
    canEdit: calendar.canEdit,
    // Teams meetings are for work/school accounts only.
    allowedOnlineMeetingProviders: work ? ["teamsForBusiness"] : [],
    defaultOnlineMeetingProvider: work ? "teamsForBusiness" : "unknown",
    isTallyingResponses: true,
    isRemovable: !calendar.isDefaultCalendar,
    owner: { name: owner.displayName, address: owner.mail ?? owner.userPrincipalName },
  };
}

function listCalendars(ctx: GraphContext): SandboxReply {
  requireScope(ctx.grant, READ_CALENDARS);
  const items = ctx.state.calendarsOf(mailboxOf(ctx).id).map((calendar) => renderCalendar(ctx, calendar));
  return collectionReply({ ctx, items, contextSuffix: "calendars", defaultPageSize: 10 });
}

function getCalendar(ctx: GraphContext): SandboxReply {
  requireScope(ctx.grant, READ_CALENDARS);
  return {
    status: 200,
    body: { "@odata.context": contextUrl(ctx, "calendars/$entity"), ...renderCalendar(ctx, calendarOf(ctx)) },
  };
}

export function registerUserRoutes(router: Router<GraphContext>): void {
  router.add("GET", "/mailbox", me);
  router.add("GET", "/mailbox/mailboxSettings", mailboxSettings);
  router.add("GET", "/mailbox/mailboxSettings/timeZone", mailboxTimeZone);
  router.add("GET", "/mailbox/calendars", listCalendars);
  router.add("GET", "/mailbox/calendar", getCalendar);
  router.add("GET", "/mailbox/calendars/:calendarId", getCalendar);
}
