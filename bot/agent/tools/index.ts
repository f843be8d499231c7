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
import { talkToHumanTool } from "./talk-to-human.js";
import { logDoseTool } from "./log-dose.js";
import { medicineOrdersTool } from "./medicine-orders.js";
import { myMedicinesTool } from "./my-medicines.js";
import { myResultsTool } from "./my-results.js";
import { orderMedicineTool } from "./order-medicine.js";
import { paymentLinkTool } from "./payment-link.js";
import { renewPrescriptionTool } from "./renew-prescription.js";

/**
 * The agent's tools, built once and shared by every turn: each call reads its turn from the run's runtime
 * context (`turnOf`) and is a thin call through turn.tools (recorded in tool_calls) with the session's patient
 * as the actor; consequential ones only prepare. None executes, none takes a patient id.
 */
export function agentTools() {
  return [
    searchDoctorsTool(),
    doctorDetailsTool(),
    freeSlotsTool(),
    myAppointmentsTool(),
    myHealthTool(),
    askRecordsTool(),
    bookTool(),
    rescheduleTool(),
    cancelTool(),
    findLabTestsTool(),
    bookLabTestTool(),
    talkToHumanTool(),
    myMedicinesTool(),
    orderMedicineTool(),
    renewPrescriptionTool(),
    medicineOrdersTool(),
    myResultsTool(),
    logDoseTool(),
    paymentLinkTool(),
  ];
}
