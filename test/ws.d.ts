/** The part of the `ws` package (no bundled types; @types/ws is not installed) the tests and the chat route use. */
declare module "ws" {
  import type { EventEmitter } from "node:events";
  export interface ServerOptions {
    maxPayload?: number;
  }
  export class WebSocket extends EventEmitter {
    constructor(url: string, options?: { headers?: Record<string, string> });
    constructor(url: string, protocols?: string | string[], options?: { headers?: Record<string, string> });
    readonly readyState: number;
    send(data: string): void;
    close(code?: number, reason?: string): void;
    on(event: "message", listener: (data: Buffer) => void): this;
    on(event: "open" | "close", listener: (code?: number) => void): this;
    on(event: "error", listener: (err: Error) => void): this;
    on(event: "unexpected-response", listener: (req: unknown, res: { statusCode?: number }) => void): this;
  }
  export class Server extends EventEmitter {}
  export default WebSocket;
}
