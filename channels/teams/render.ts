import { submitData, type TeamsAnswer } from "../../bot/doctor-teams/handler.js";
import type { TeamsReply } from "./client.js";

export const ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive";

/** The bot's answer as a Teams reply: text as plain text, the requests list as an Adaptive Card (1.4). */
export function renderTeams(answer: TeamsAnswer): TeamsReply {
  if (answer.kind === "text") return { text: answer.text };
  const body: unknown[] = [
    { type: "TextBlock", text: "Pending requests", weight: "Bolder", size: "Medium", wrap: true },
  ];
  for (const r of answer.items) {
    body.push({
      type: "Container",
      separator: true,
      items: [
        {
          type: "TextBlock",
          text: `#${r.appointmentId} · ${r.date} ${r.time}`,
          weight: "Bolder",
          wrap: true,
        },
        { type: "TextBlock", text: r.patientName, wrap: true, spacing: "None" },
        ...(r.reason
          ? [{ type: "TextBlock", text: r.reason, wrap: true, isSubtle: true, spacing: "None" }]
          : []),
        {
          type: "ActionSet",
          actions: [
            {
              type: "Action.Submit",
              title: "Accept",
              style: "positive",
              data: submitData("accept", r.appointmentId),
            },
            {
              type: "Action.Submit",
              title: "Reject",
              style: "destructive",
              data: submitData("reject", r.appointmentId),
            },
          ],
        },
      ],
    });
  }
  if (answer.more)
    body.push({
      type: "TextBlock",
      text: "More requests are waiting: see the console.",
      wrap: true,
      isSubtle: true,
    });
  return {
    text: `${answer.items.length} pending request${answer.items.length === 1 ? "" : "s"}`,
    attachments: [
      {
        contentType: ADAPTIVE_CARD,
        content: {
          type: "AdaptiveCard",
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          version: "1.4",
          body,
        },
      },
    ],
  };
}

/** What an inbound activity says, for the bot: text without the bot's @mention, and a card's submit data. */
export function parseInbound(activity: { text?: unknown; value?: unknown }): {
  text: string;
  value: unknown;
} {
  const raw = typeof activity.text === "string" ? activity.text : "";
  const text = raw
    .replace(/<at>[^<]*<\/at>/gi, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&nbsp;/g, " ")
    .trim()
    .slice(0, 1000);
  // A card's Action.Submit arrives as a message with `value` (or an invoke whose value.action.data holds it).
  const v = activity.value as { action?: { data?: unknown } } | undefined;
  const value = v && typeof v === "object" && v.action && typeof v.action === "object" ? v.action.data : v;
  return { text, value };
}
