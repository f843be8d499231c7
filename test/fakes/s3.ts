import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface S3Request {
  method: string;
  bucket: string;
  key: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

export interface FakeS3 {
  /** e.g. http://127.0.0.1:54321 — use as S3_ENDPOINT with path-style addressing. */
  readonly endpoint: string;
  /** Every object request received, in order. */
  readonly requests: S3Request[];
  /** The stored objects, by "bucket/key". */
  readonly objects: Map<string, Buffer>;
  close(): Promise<void>;
}

function xmlError(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

/**
 * A tiny S3 speaking PUT, GET, HEAD and DELETE of objects on path-style URLs (/bucket/key).
 * No signature verification; every request is recorded so tests can inspect what was sent.
 */
export async function startFakeS3(): Promise<FakeS3> {
  const requests: S3Request[] = [];
  const objects = new Map<string, Buffer>();

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://fake-s3");
      const [bucket = "", ...rest] = url.pathname.replace(/^\//, "").split("/");
      const key = rest.map((p) => decodeURIComponent(p)).join("/");
      const body = Buffer.concat(chunks);
      const method = req.method ?? "GET";
      requests.push({ method, bucket, key, headers: req.headers, body });
      const id = `${bucket}/${key}`;
      res.setHeader("x-amz-request-id", String(requests.length));

      if (bucket === "" || key === "") {
        res.writeHead(400, { "content-type": "application/xml" });
        res.end(xmlError("InvalidRequest", "Only object requests on path-style URLs are supported."));
        return;
      }
      switch (method) {
        case "PUT": {
          if (String(req.headers["content-encoding"] ?? "").includes("aws-chunked")) {
            res.writeHead(400, { "content-type": "application/xml" });
            res.end(xmlError("NotImplemented", "aws-chunked bodies are not supported by the fake."));
            return;
          }
          objects.set(id, body);
          res.writeHead(200, { etag: `"${requests.length}"` });
          res.end();
          return;
        }
        case "GET":
        case "HEAD": {
          const data = objects.get(id);
          if (!data) {
            res.writeHead(404, { "content-type": "application/xml" });
            res.end(
              method === "HEAD" ? undefined : xmlError("NoSuchKey", "The specified key does not exist."),
            );
            return;
          }
          res.writeHead(200, {
            "content-type": "application/octet-stream",
            "content-length": String(data.length),
          });
          res.end(method === "HEAD" ? undefined : data);
          return;
        }
        case "DELETE":
          objects.delete(id);
          res.writeHead(204);
          res.end();
          return;
        default:
          res.writeHead(405, { "content-type": "application/xml" });
          res.end(xmlError("MethodNotAllowed", "Not supported by the fake."));
      }
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    objects,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
