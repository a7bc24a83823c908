import type { Check } from "../types.js";

export const nodePoolChecks: Check[] = [];
