package io.imapsync.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bin/imap-sync}: the daemon ({@code run}) and the demo ({@code demo}). */
@Command(name = "imap-sync", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "Push-IMAP sync daemon: mailbox changes to conversation JSON and change events in Redis.",
    subcommands = {DemoCommand.class, RunCommand.class, CoordinatorCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class ImapSyncCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new ImapSyncCommand()).execute(args));
  }
}
