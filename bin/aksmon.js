#!/usr/bin/env node
import { main } from "../dist/shared/cli/main.js";

await main(process.argv);
