import type { ServiceContext } from "../context.js";
import type { DoctorsService } from "../doctors/service.js";

/** Weekly availability, exceptions, slots and the appointment lifecycle. */
export class SchedulingService {
  constructor(
    readonly ctx: ServiceContext,
    readonly doctors: DoctorsService,
  ) {}
}
