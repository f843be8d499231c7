import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface PineconeCall {
  path: string;
  namespace: string;
  apiKey: string | undefined;
  body: Record<string, unknown>;
}

/**
 * A local fake of Pinecone's data plane (an index host): `POST /vectors/upsert`, `POST /query` (exact cosine
 * within the namespace), `POST /vectors/delete`. Namespaces are kept apart as Pinecone keeps them; every call
 * is recorded with its namespace and API key.
 */
export class FakePinecone {
  readonly calls: PineconeCall[] = [];
  readonly namespaces = new Map<string, Map<string, number[]>>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakePinecone> {
    const server = createServer();
    const fake = new FakePinecone(server);
    server.on("request", (req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  get host(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  ids(namespace: string): string[] {
    return [...(this.namespaces.get(namespace)?.keys() ?? [])].sort();
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private ns(name: string): Map<string, number[]> {
    let ns = this.namespaces.get(name);
    if (!ns) this.namespaces.set(name, (ns = new Map()));
    return ns;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = (chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {}) as Record<
      string,
      unknown
    >;
    const namespace = typeof body.namespace === "string" ? body.namespace : "";
    const path = (req.url ?? "").split("?")[0]!;
    const apiKey = req.headers["api-key"];
    this.calls.push({ path, namespace, apiKey: typeof apiKey === "string" ? apiKey : undefined, body });
    const json = (status: number, payload: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(payload));
    };
    if (req.method !== "POST") return json(404, { error: { message: "not found" } });
    switch (path) {
      case "/vectors/upsert": {
        const vectors = (body.vectors ?? []) as { id: string; values: number[] }[];
        for (const v of vectors) this.ns(namespace).set(v.id, v.values);
        return json(200, { upsertedCount: vectors.length });
      }
      case "/vectors/delete": {
        if (body.deleteAll === true) this.namespaces.delete(namespace);
        else for (const id of (body.ids ?? []) as string[]) this.namespaces.get(namespace)?.delete(id);
        return json(200, {});
      }
      case "/query": {
        const q = (body.vector ?? []) as number[];
        const topK = Number(body.topK ?? 10);
        const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
        const matches = [...(this.namespaces.get(namespace)?.entries() ?? [])]
          .map(([id, v]) => ({
            id,
            score: v.reduce((s, x, i) => s + x * (q[i] ?? 0), 0) / (norm(v) * norm(q)),
          }))
          .sort((a, b) => b.score - a.score)
          .slice(0, topK);
        return json(200, { matches, namespace, usage: { readUnits: 1 } });
      }
      default:
        return json(404, { error: { message: "not found" } });
    }
  }
}
