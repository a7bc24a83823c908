import type { Check } from "../types.js";

export const governanceChecks: Check[] = [];
