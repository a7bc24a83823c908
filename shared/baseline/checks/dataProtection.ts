import type { Check } from "../types.js";

export const dataProtectionChecks: Check[] = [];
