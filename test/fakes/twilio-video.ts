import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeRoom {
  sid: string;
  uniqueName: string;
  type: string;
  statusCallback: string;
}

export interface FakeTwilioVideo {
  url: string;
  rooms: FakeRoom[];
  /** Every request (method, path) with the basic-auth user it carried. */
  requests: { method: string; path: string; user: string | undefined }[];
  close(): Promise<void>;
}

/**
 * A local Twilio Video REST API: POST /v1/Rooms (group rooms, a UniqueName in progress → 400 code 53113, as
 * Twilio answers) and GET /v1/Rooms/{sid or UniqueName}. Requests must authenticate with the API key.
 */
export async function startFakeTwilioVideo(
  apiKeySid: string,
  apiKeySecret: string,
): Promise<FakeTwilioVideo> {
  const rooms: FakeRoom[] = [];
  const requests: FakeTwilioVideo["requests"] = [];
  const expected = "Basic " + Buffer.from(`${apiKeySid}:${apiKeySecret}`).toString("base64");
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://fake-twilio-video");
      const auth = req.headers.authorization ?? "";
      requests.push({
        method: req.method ?? "",
        path: url.pathname,
        user: auth.startsWith("Basic ")
          ? Buffer.from(auth.slice(6), "base64").toString().split(":")[0]
          : undefined,
      });
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      const view = (r: FakeRoom) => ({
        sid: r.sid,
        unique_name: r.uniqueName,
        type: r.type,
        status: "in-progress",
      });
      if (auth !== expected) return send(401, { code: 20003, message: "Authenticate", status: 401 });
      if (req.method === "POST" && url.pathname === "/v1/Rooms") {
        const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
        const uniqueName = form.get("UniqueName") ?? "";
        if (rooms.some((r) => r.uniqueName === uniqueName))
          return send(400, { code: 53113, message: "Room exists", status: 400 });
        const room: FakeRoom = {
          sid: `RM${randomBytes(16).toString("hex")}`,
          uniqueName,
          type: form.get("Type") ?? "",
          statusCallback: form.get("StatusCallback") ?? "",
        };
        rooms.push(room);
        return send(201, view(room));
      }
      const m = /^\/v1\/Rooms\/([^/]+)$/.exec(url.pathname);
      if (req.method === "GET" && m) {
        const key = decodeURIComponent(m[1]!);
        const room = rooms.find((r) => r.sid === key || r.uniqueName === key);
        return room ? send(200, view(room)) : send(404, { code: 20404, message: "Not found", status: 404 });
      }
      send(404, { code: 20404, message: "Not found", status: 404 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    rooms,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
