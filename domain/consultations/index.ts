export { VisitsService } from "./visits.js";
export type { SignallingClaims, VisitJoinView, VisitLogView } from "./visits.js";
export { TwilioVideoProvider, WebRtcProvider, type VideoProvider } from "./visits-providers.js";
