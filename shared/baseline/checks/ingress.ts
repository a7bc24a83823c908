import type { Check } from "../types.js";

export const ingressChecks: Check[] = [];
