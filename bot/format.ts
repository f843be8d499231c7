import { formatDate } from "../domain/shared/when.js";

/** "Mon 7 Jan" for an ISO date (domain/shared/when.ts is the one format). */
export const formatDay = formatDate;
