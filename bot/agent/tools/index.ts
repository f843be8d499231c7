import { askRecordsTool } from "./ask-records.js";
import { bookTool } from "./book.js";
import { cancelTool } from "./cancel.js";
import { doctorDetailsTool } from "./doctor-details.js";
import { freeSlotsTool } from "./free-slots.js";
import { bookLabTestTool, findLabTestsTool } from "./lab-tests.js";
import { myAppointmentsTool } from "./my-appointments.js";
import { myHealthTool } from "./my-health.js";
import { rescheduleTool } from "./reschedule.js";
import { searchDoctorsTool } from "./search-doctors.js";
import type { AgentToolContext } from "./shared.js";
import { talkToHumanTool } from "./talk-to-human.js";
import { logDoseTool } from "./log-dose.js";
import { medicineOrdersTool } from "./medicine-orders.js";
import { myMedicinesTool } from "./my-medicines.js";
import { myResultsTool } from "./my-results.js";
import { orderMedicineTool } from "./order-medicine.js";
import { paymentLinkTool } from "./payment-link.js";
import { renewPrescriptionTool } from "./renew-prescription.js";

/**
 * The agent's tools for one turn. Each is a thin call through turn.tools (recorded in tool_calls) with the
 * session's patient as the actor; consequential ones only prepare. None executes, none takes a patient id.
 */
export function agentTools(ctx: AgentToolContext) {
  return [
    searchDoctorsTool(ctx),
    doctorDetailsTool(ctx),
    freeSlotsTool(ctx),
    myAppointmentsTool(ctx),
    myHealthTool(ctx),
    askRecordsTool(ctx),
    bookTool(ctx),
    rescheduleTool(ctx),
    cancelTool(ctx),
    findLabTestsTool(ctx),
    bookLabTestTool(ctx),
    talkToHumanTool(ctx),
    myMedicinesTool(ctx),
    orderMedicineTool(ctx),
    renewPrescriptionTool(ctx),
    medicineOrdersTool(ctx),
    myResultsTool(ctx),
    logDoseTool(ctx),
    paymentLinkTool(ctx),
  ];
}
