import type { NotificationSender } from "../domain/notifications/service.js";
import type { Clock } from "../domain/shared/clock.js";
import type { ChannelHub } from "./hub.js";
import { userExternalId } from "./web/inbound.js";

/** The notifications module's way out: the hub's channels, identities and conversations. */
export function hubSender(hub: ChannelHub, clock: Clock): NotificationSender {
  const store = hub.engine.conversations;
  return {
    has: (channel) => hub.registry.get(channel) !== undefined,
    identity: (channel, externalId) => store.identity(channel, externalId),
    async webIdentity(userId) {
      // The same identity the signed-in web chat uses; only that user's access token reaches it.
      const identity = await store.identity("web", userExternalId(userId));
      if (identity.userId === userId && identity.verifiedAt !== null) return identity;
      if (identity.userId !== null && identity.userId !== userId) return identity;
      const at = clock.now();
      await store.linkIdentity(identity.id, userId, at);
      return { ...identity, userId, verifiedAt: at };
    },
    async post(identity, messages, opts) {
      await hub.post(identity, messages, opts);
    },
  };
}
