import { Client, Status } from "@googlemaps/google-maps-services-js";
import type { Config } from "../../../config/index.js";
import gazetteer from "./localities.json" with { type: "json" };

/** A named point: what "near Vikas Puri" or a shared location searches around. */
export interface Place {
  name: string;
  lat: number;
  lng: number;
}

/** Turns a place name typed by a person into a point; null when it is not known. */
export interface Geocoder {
  readonly name: "gazetteer" | "google";
  geocode(query: string): Promise<Place | null>;
}

const normalize = (s: string) =>
  s
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9 ]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();

/**
 * The bundled gazetteer (localities.json: localities of the seeded Indian cities), the default: no network,
 * no key. A name matches exactly, then ignoring spaces ("vikaspuri"), then as "locality, city".
 */
export class GazetteerGeocoder implements Geocoder {
  readonly name = "gazetteer" as const;
  private readonly byKey = new Map<string, Place>();

  constructor(
    places: readonly { name: string; city: string; lat: number; lng: number }[] = gazetteer.places,
  ) {
    for (const p of places) {
      const place = { name: p.name === p.city ? p.name : `${p.name}, ${p.city}`, lat: p.lat, lng: p.lng };
      for (const key of [
        normalize(p.name),
        normalize(p.name).replace(/ /g, ""),
        normalize(`${p.name} ${p.city}`),
      ])
        if (!this.byKey.has(key)) this.byKey.set(key, place);
    }
  }

  async geocode(query: string): Promise<Place | null> {
    const q = normalize(query);
    return this.byKey.get(q) ?? this.byKey.get(q.replace(/ /g, "")) ?? null;
  }
}

/** Google's Geocoding API through its official client; the base URL is overridable (a local fake in tests). */
export class GoogleGeocoder implements Geocoder {
  readonly name = "google" as const;
  private readonly client = new Client({});

  constructor(
    private readonly apiKey: string,
    private readonly baseUrl = "https://maps.googleapis.com",
    private readonly region = "in",
  ) {}

  async geocode(query: string): Promise<Place | null> {
    const res = await this.client.geocode({
      url: `${this.baseUrl.replace(/\/$/, "")}/maps/api/geocode/json`,
      params: { address: query, key: this.apiKey, region: this.region },
      timeout: 5000,
    });
    const first = res.data.results[0];
    if (res.data.status !== Status.OK || !first) return null;
    return {
      name: first.formatted_address ?? query,
      lat: first.geometry.location.lat,
      lng: first.geometry.location.lng,
    };
  }
}

/** Google when GOOGLE_MAPS_API_KEY is set, the bundled gazetteer otherwise. */
export function createGeocoder(config: Config): Geocoder {
  const { googleApiKey, googleBaseUrl } = config.maps;
  return googleApiKey !== undefined
    ? new GoogleGeocoder(googleApiKey, googleBaseUrl)
    : new GazetteerGeocoder();
}
