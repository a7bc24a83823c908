import type { Check } from "../types.js";

export const lifecycleChecks: Check[] = [];
