import { Command, CommanderError, Option } from "commander";
import { ProfileError } from "../baseline/profile.js";
import { SEVERITIES, type Severity } from "../baseline/types.js";
import { FORMATS, type Format } from "../report/report.js";
import { runCheck, type CommandResult } from "./check.js";

/** Builds the `aksmon` command line. `deliver` prints a command's result and sets the exit code. */
export function buildProgram(deliver: (result: CommandResult) => void): Command {
  const program = new Command("aksmon")
    .description("Compliance monitor for Azure Kubernetes Service clusters")
    .showHelpAfterError(false)
    .exitOverride();

  program
    .command("check")
    .description(
      "Evaluate cluster files (ARM JSON or `az aks show -o json` output) against the baseline; writes nothing",
    )
    .argument(
      "<files...>",
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
    .action(async (files: string[], options: { format: Format; profile?: string; failOn: Severity | "none"; color: boolean }) => {
      const tty = process.stdout.isTTY === true;
      deliver(
        await runCheck(files, {
          format: options.format,
          ...(options.profile === undefined ? {} : { profile: options.profile }),
          failOn: options.failOn,
          color: options.color && tty && !process.env.NO_COLOR,
          width: tty ? Math.max(40, process.stdout.columns ?? 80) : 80,
        }),
      );
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
