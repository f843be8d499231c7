export * from "./accounts.js";
export * from "./doctors.js";
export * from "./scheduling.js";
export * from "./records.js";
export * from "./platform.js";
export * from "./prescriptions.js";
export * from "./payments.js";
