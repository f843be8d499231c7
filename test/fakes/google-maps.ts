import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** One GET /maps/api/geocode/json the fake answered. */
export interface GeocodeCall {
  address: string | null;
  key: string | null;
  region: string | null;
}

export interface FakeGoogleMaps {
  /** e.g. http://127.0.0.1:54321 — use as GOOGLE_MAPS_BASE_URL. */
  readonly url: string;
  readonly calls: GeocodeCall[];
  /** Addresses the fake knows (lower case), with their point. Others answer ZERO_RESULTS. */
  readonly places: Map<string, { formatted: string; lat: number; lng: number }>;
  close(): Promise<void>;
}

/** Google's Geocoding API as it answers: {status, results: [{formatted_address, geometry: {location}}]}. */
export async function startFakeGoogleMaps(expectedKey: string): Promise<FakeGoogleMaps> {
  const calls: GeocodeCall[] = [];
  const places = new Map<string, { formatted: string; lat: number; lng: number }>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "GET" || url.pathname !== "/maps/api/geocode/json") return send(404, {});
    const call = {
      address: url.searchParams.get("address"),
      key: url.searchParams.get("key"),
      region: url.searchParams.get("region"),
    };
    calls.push(call);
    if (call.key !== expectedKey)
      return send(200, {
        status: "REQUEST_DENIED",
        error_message: "The provided API key is invalid.",
        results: [],
      });
    const hit = places.get((call.address ?? "").toLowerCase());
    if (!hit) return send(200, { status: "ZERO_RESULTS", results: [] });
    send(200, {
      status: "OK",
      results: [
        {
          formatted_address: hit.formatted,
          geometry: { location: { lat: hit.lat, lng: hit.lng }, location_type: "APPROXIMATE" },
          place_id: "fake-place",
          types: ["sublocality"],
          address_components: [],
        },
      ],
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    places,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
