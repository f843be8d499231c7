import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { PNG_1X1 } from "../multipart.js";

export interface InternalService {
  /** e.g. http://127.0.0.1:54321 */
  readonly url: string;
  /** Every request it received: path and Authorization header. */
  readonly hits: { path: string; authorization: string | undefined }[];
  close(): Promise<void>;
}

/**
 * Stands for something inside our network an attacker would like us to fetch (a metadata service, an
 * admin port): any GET answers 200 with a real PNG (so a fetch that reached it would be stored), and every
 * request is recorded, so a test can show nothing reached it.
 */
export async function startInternalService(): Promise<InternalService> {
  const hits: InternalService["hits"] = [];
  const server: Server = createServer((req, res) => {
    hits.push({ path: req.url ?? "/", authorization: req.headers.authorization });
    res.writeHead(200, { "content-type": "image/png" });
    res.end(PNG_1X1);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
