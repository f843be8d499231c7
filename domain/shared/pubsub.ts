/**
 * Messages between the processes of one deployment: a web-chat reply sent by a worker reaches the socket held by
 * whichever API process the person is connected to; visit signalling likewise. Fire and forget: nothing is
 * stored (what must not be lost is in Postgres; a page that missed a message fetches it when it reconnects).
 */
export interface PubSub {
  /** Delivers to the topic's subscribers in every process; resolves with how many processes took it. */
  publish(topic: string, message: string): Promise<number>;
  /** Subscribes this process to a topic; resolves once subscribed, with the function that unsubscribes. */
  subscribe(topic: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
