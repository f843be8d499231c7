import type { Redis } from "ioredis";
import type { PubSub } from "../domain/shared/pubsub.js";

type Handler = (message: string) => void;

/** Topics → this process's handlers: one Redis subscription per topic, however many handlers share it. */
class Topics {
  private readonly handlers = new Map<string, Set<Handler>>();
  add(topic: string, handler: Handler): boolean {
    let set = this.handlers.get(topic);
    const first = !set;
    if (!set) this.handlers.set(topic, (set = new Set()));
    set.add(handler);
    return first;
  }
  remove(topic: string, handler: Handler): boolean {
    const set = this.handlers.get(topic);
    if (!set?.delete(handler)) return false;
    if (set.size > 0) return false;
    this.handlers.delete(topic);
    return true;
  }
  deliver(topic: string, message: string): number {
    const set = this.handlers.get(topic);
    for (const handler of set ?? []) handler(message);
    return set?.size ? 1 : 0;
  }
}

/**
 * Redis pub/sub: a connection that publishes and one that only subscribes (a subscribed connection can do
 * nothing else). PUBLISH answers how many connections received the message: one per subscribed process.
 */
export class RedisPubSub implements PubSub {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly topics = new Topics();

  constructor(
    redis: Redis,
    private readonly prefix = "hl:ps:",
  ) {
    this.publisher = redis.duplicate();
    this.subscriber = redis.duplicate();
    for (const c of [this.publisher, this.subscriber]) c.on("error", () => undefined);
    this.subscriber.on("message", (channel: string, message: string) => {
      if (channel.startsWith(this.prefix)) this.topics.deliver(channel.slice(this.prefix.length), message);
    });
  }

  publish(topic: string, message: string): Promise<number> {
    return this.publisher.publish(this.prefix + topic, message);
  }

  async subscribe(topic: string, onMessage: Handler): Promise<() => Promise<void>> {
    if (this.topics.add(topic, onMessage)) await this.subscriber.subscribe(this.prefix + topic);
    return async () => {
      if (this.topics.remove(topic, onMessage)) await this.subscriber.unsubscribe(this.prefix + topic);
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.publisher, this.subscriber].map((c) => c.quit().catch(() => c.disconnect())));
  }
}

/** One process (the embedded start): topics live in memory. */
export class MemoryPubSub implements PubSub {
  private readonly topics = new Topics();
  publish(topic: string, message: string): Promise<number> {
    return Promise.resolve(this.topics.deliver(topic, message));
  }
  subscribe(topic: string, onMessage: Handler): Promise<() => Promise<void>> {
    this.topics.add(topic, onMessage);
    return Promise.resolve(() => {
      this.topics.remove(topic, onMessage);
      return Promise.resolve();
    });
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
