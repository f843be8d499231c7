import { formatDate } from "../domain/shared/when.js";

/** "Mon 7 Jan" for an ISO date (domain/shared/when.ts is the one format). */
export const formatDay = formatDate;

/** "2.3 km" under ten kilometres, "14 km" beyond. */
export const formatKm = (km: number) => (km < 10 ? `${km.toFixed(1)} km` : `${Math.round(km)} km`);
