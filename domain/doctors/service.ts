import type { ServiceContext } from "../context.js";

/** Doctor profiles, verification, discovery (search, suggestions, popular). */
export class DoctorsService {
  constructor(readonly ctx: ServiceContext) {}
}
