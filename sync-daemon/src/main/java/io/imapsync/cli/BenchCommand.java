package io.imapsync.cli;

import io.imapsync.bench.WritePathBenchmark;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bin/imap-sync bench ...}: benchmarks that print figures and write a JSON report. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks (print a table, write a JSON report).",
    subcommands = {BenchCommand.WritePath.class, CommandLine.HelpCommand.class})
final class BenchCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "write-path", mixinStandardHelpOptions = true,
      description = "Changes/s through the fenced write path into Redis (embedded, or REDIS_URL) at several batch sizes.")
  static final class WritePath implements Callable<Integer> {
    @Option(names = "--accounts", defaultValue = "50")
    int accounts;

    @Option(names = "--messages", defaultValue = "400", description = "Messages per account (default: ${DEFAULT-VALUE}).")
    int messages;

    @Option(names = "--batch", split = ",", defaultValue = "1,10,50", description = "Batch sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> batches;

    @Option(names = "--json", description = "Write the report here.")
    Path json;

    @Override
    public Integer call() throws Exception {
      new WritePathBenchmark(accounts, messages, batches, System.out).run(json);
      return 0;
    }
  }
}
