import type { Check } from "../types.js";

export const monitoringChecks: Check[] = [];
