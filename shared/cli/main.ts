import { Command, CommanderError, Option } from "commander";
import { ProfileError } from "../baseline/profile.js";
import { SEVERITIES, type Severity } from "../baseline/types.js";
import { FORMATS, type Format } from "../report/report.js";
import { runCheck, type CommandResult } from "./check.js";
import { liveScope, UsageError } from "./scope.js";

interface CheckCommandOptions {
  format: Format;
  profile?: string;
  failOn: Severity | "none";
  color: boolean;
  subscription?: string[];
  resourceGroup?: string;
  cluster?: string;
  tag?: string[];
}

/** Builds the `aksmon` command line. `deliver` prints a command's result and sets the exit code. */
export function buildProgram(deliver: (result: CommandResult) => void): Command {
  const program = new Command("aksmon")
    .description("Compliance monitor for Azure Kubernetes Service clusters")
    .showHelpAfterError(false)
    .exitOverride();

  const collect = (value: string, previous: string[] = []) => [...previous, value];
  const terminal = () => {
    const tty = process.stdout.isTTY === true;
    return { tty, width: tty ? Math.max(40, process.stdout.columns ?? 80) : 80 };
  };

  program
    .command("check")
    .description(
      "Evaluate clusters against the baseline: files (ARM JSON or `az aks show -o json` output), or live from Azure with --subscription; writes nothing",
    )
    .argument(
      "[files...]",
      "cluster files (- for standard input); agent pools, upgrade profiles and maintenance configurations may sit beside them",
    )
    .addOption(new Option("-f, --format <format>", "output format").choices(FORMATS).default("table"))
    .option("-p, --profile <file>", "a JSON or YAML profile: checks on/off, severities, parameters")
    .addOption(
      new Option("--fail-on <severity>", "exit 1 when a failure is at or above this severity")
        .choices([...SEVERITIES, "none"])
        .default("high"),
    )
    .option("--no-color", "never colour the table")
    .option("-s, --subscription <id>", "read live from this subscription (repeatable; default MONITOR_SUBSCRIPTIONS)", collect)
    .option("-g, --resource-group <name>", "live: only this resource group")
    .option("-n, --cluster <name>", "live: only this cluster (with one --subscription and --resource-group)")
    .option("--tag <name=value>", "live: only clusters with this tag (repeatable)", collect)
    .action(async (files: string[], options: CheckCommandOptions) => {
      const live = options.subscription !== undefined || options.resourceGroup !== undefined || options.cluster !== undefined;
      if (live && files.length > 0) throw new UsageError("give cluster files or --subscription, not both");
      if (!live && files.length === 0) throw new UsageError("give cluster files, or --subscription to read live from Azure");
      const { tty, width } = terminal();
      deliver(
        await runCheck(live ? { live: liveScope(options) } : { files }, {
          format: options.format,
          ...(options.profile === undefined ? {} : { profile: options.profile }),
          failOn: options.failOn,
          color: options.color && tty && !process.env.NO_COLOR,
          width,
        }),
      );
    });

  program
    .command("inventory")
    .description("List the managed clusters in scope (Azure Resource Graph, or per subscription when it is not allowed)")
    .addOption(new Option("-f, --format <format>", "output format").choices(["table", "json"]).default("table"))
    .option("-s, --subscription <id>", "subscription in scope (repeatable; default MONITOR_SUBSCRIPTIONS)", collect)
    .option("-g, --resource-group <name>", "only this resource group")
    .option("--tag <name=value>", "only clusters with this tag (repeatable)", collect)
    .action(async (options: { format: "table" | "json"; subscription?: string[]; resourceGroup?: string; tag?: string[] }) => {
      // Commands other than check load their dependencies (ARM clients, storage, cards) only when run.
      const { runInventory } = await import("./inventory.js");
      deliver(await runInventory(liveScope(options), { format: options.format, width: terminal().width }));
    });

  program
    .command("sweep")
    .description(
      "Run the whole pipeline over the fleet (read, evaluate, store, diff, alert): cluster files in --fleet, else the live subscriptions of MONITOR_SUBSCRIPTIONS",
    )
    .option("--fleet <dir>", "sweep the cluster files in this directory instead of Azure")
    .option("--no-digest", "do not send the fleet digest at the end")
    .option("--cards-json", "without a webhook, print the Teams messages as JSON rather than their text")
    .action(async (options: { fleet?: string; digest: boolean; cardsJson?: boolean }) => {
      const { runSweep } = await import("./sweep.js");
      deliver(await runSweep({ ...(options.fleet ? { fleet: options.fleet } : {}), digest: options.digest, cardsJson: options.cardsJson === true }));
    });

  program
    .command("report")
    .description("Write the fleet dashboard from the stored results (what `aksmon sweep` keeps) as one self-contained HTML page")
    .requiredOption("--html <file>", "the page to write")
    .option("-s, --subscription <id>", "only this subscription (repeatable; default MONITOR_SUBSCRIPTIONS, else every stored cluster)", collect)
    .action(async (options: { html: string; subscription?: string[] }) => {
      const { runReport } = await import("./report.js");
      deliver(await runReport({ html: options.html, ...(options.subscription ? { subscriptions: options.subscription } : {}) }));
    });

  program
    .command("outbox")
    .description("List the alerts not delivered yet (pending) and those given up on (dead): state, kind, cluster, attempts, age, next attempt, last error")
    .option("--json", "print JSON")
    .option("--redrive", "re-queue every dead alert: pending again, attempts reset, due now")
    .action(async (options: { json?: boolean; redrive?: boolean }) => {
      const { runOutbox } = await import("./outbox.js");
      deliver(await runOutbox({ json: options.json === true, redrive: options.redrive === true }));
    });

  program
    .command("audit")
    .description("List the audit trail, newest first: snoozes, unsnoozes, exemption changes and rechecks (when, what, who, via, reason)")
    .option("--cluster <id>", "only this cluster (its resource id)")
    .option("--since <iso>", "only rows at or after this time")
    .option("--json", "print JSON")
    .action(async (options: { cluster?: string; since?: string; json?: boolean }) => {
      const { runAudit } = await import("./audit.js");
      deliver(await runAudit({ ...(options.cluster ? { cluster: options.cluster } : {}), ...(options.since ? { since: options.since } : {}), json: options.json === true }));
    });

  return program;
}

function deliver(result: CommandResult): void {
  for (const line of result.stderr) process.stderr.write(`aksmon: ${line}\n`);
  if (result.stdout) process.stdout.write(result.stdout);
  process.exitCode = result.exitCode;
}

export async function main(argv: readonly string[]): Promise<void> {
  // A closed pipe (`aksmon check ... | head`) ends the output, not the process with a stack trace.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
  const program = buildProgram(deliver);
  try {
    await program.parseAsync([...argv], { from: "node" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message; help and version are not failures.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`aksmon: ${error instanceof ProfileError ? "profile " : ""}${message.split("\n")[0]}\n`);
    if (process.env.AKSMON_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 2;
  }
}
