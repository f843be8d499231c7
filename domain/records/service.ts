import type { ServiceContext } from "../context.js";
import type { DocumentStorage } from "./storage.js";

/** Patient profile and history, self-reported and clinical records, documents. */
export class RecordsService {
  constructor(
    readonly ctx: ServiceContext,
    readonly storage: DocumentStorage,
  ) {}
}
