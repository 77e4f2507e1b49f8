package io.imapsync.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imapsync.bench.IdleFleetBenchmark;
import io.imapsync.bench.InitialSyncBenchmark;
import io.imapsync.bench.PeerBenchmark;
import io.imapsync.bench.PeerKind;
import io.imapsync.bench.PeerWork;
import io.imapsync.bench.SyncPeerKind;
import io.imapsync.bench.WritePathBenchmark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bin/imap-sync bench ...}: benchmarks that print figures and write a JSON report. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks (print a table, write a JSON report). With --mailboxes: idle mailboxes held against the "
        + "load simulator (its own process), memory, idle CPU and push latency.",
    subcommands = {BenchCommand.WritePath.class, BenchCommand.InitialSync.class, BenchCommand.Fleet.class, CommandLine.HelpCommand.class})
final class BenchCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--mailboxes", description = "Idle mailboxes to hold (INBOX, one connection each).")
  Integer mailboxes;

  @Option(names = "--rate", defaultValue = "200", description = "Deliveries per second while measuring push latency (default: ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--measure", defaultValue = "PT20S", description = "How long deliveries run (default: ${DEFAULT-VALUE}).")
  Duration measure;

  @Option(names = "--loadsim-jar", description = "The simulator jar (default: integration-tests/target/loadsim.jar; bin/loadsim builds it).")
  Path loadsimJar;

  @Option(names = "--json", description = "Write the report here.")
  Path json;

  @Option(names = "--tls", description = "Implicit TLS to the simulator (a self-signed certificate, trusted and verified).")
  boolean tls;

  @Option(names = "--peers", description = "After our run, the same scenario for each peer, each its own process: "
      + "angus-thread, angus-idlemanager, imapflow (comma-separated), or all. See docs/performance.md.")
  String peers;

  @Option(names = "--peer-work", defaultValue = "full", description = "What each peer does per new message: full (fetch "
      + "it whole, parse it, append a JSON document to a Redis stream, latency read back from it, as ours) or envelope "
      + "(fetch its envelope, latency at the Message-ID in hand) (default: ${DEFAULT-VALUE}).")
  String peerWork;

  @Option(names = "--initial-messages", defaultValue = "10", description = "How many of each mailbox's newest messages "
      + "the daemon syncs before it idles; 0 starts after the newest, as the peers do (default: ${DEFAULT-VALUE}).")
  int initialMessages;

  @Option(names = "--connects-per-second", defaultValue = "2000", description = "The daemon's per-host connect rate "
      + "limit in this run (the peers have none) (default: ${DEFAULT-VALUE}).")
  int connectsPerSecond;

  @Override
  public Integer call() throws Exception {
    if (mailboxes == null) {
      spec.commandLine().usage(System.out);
      return 0;
    }
    Path root = Path.of(System.getenv().getOrDefault("IMAP_SYNC_ROOT", "."));
    Path jar = simulatorJar(loadsimJar);
    List<PeerKind> kinds;
    PeerWork work;
    try { // a typo fails before the long run
      kinds = peers == null ? List.of() : PeerKind.parse(peers);
      work = PeerWork.parse(peerWork);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    if (initialMessages < 0) {
      System.err.println("error: --initial-messages must be 0 or more");
      return 2;
    }
    if (connectsPerSecond < 1) {
      System.err.println("error: --connects-per-second must be at least 1, got " + connectsPerSecond);
      return 2;
    }
    if (tls && !kinds.isEmpty()) {
      System.err.println("error: --tls runs our daemon only (the peers' harnesses speak plain IMAP)");
      return 2;
    }
    ObjectNode report = new IdleFleetBenchmark(mailboxes, rate, measure, jar, System.out).tls(tls)
        .initialMessages(initialMessages).connectsPerSecond(connectsPerSecond).run(null);
    if (!kinds.isEmpty()) {
      new PeerBenchmark(mailboxes, rate, measure, jar, root, System.out).work(work).run(kinds, report);
    }
    if (json != null) {
      Files.writeString(json, report.toPrettyString() + "\n");
      System.out.println("report: " + json);
    }
    return 0;
  }

  /** The simulator jar given, else the one bin/loadsim builds under the checkout (IMAP_SYNC_ROOT). */
  static Path simulatorJar(Path given) {
    return given != null ? given
        : Path.of(System.getenv().getOrDefault("IMAP_SYNC_ROOT", "."), "integration-tests", "target", "loadsim.jar");
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

  @Command(name = "initial-sync", mixinStandardHelpOptions = true,
      description = "Initial sync end to end (fetch, normalize, write) of one mailbox in a private Dovecot: messages/s.")
  static final class InitialSync implements Callable<Integer> {
    @Option(names = "--messages", defaultValue = "20000", description = "Messages in the mailbox (default: ${DEFAULT-VALUE}).")
    int messages;

    @Option(names = "--corpus", description = "Take the messages in turn from this directory instead of generating them.")
    Path corpus;

    @Option(names = "--loadsim-jar", description = "The simulator jar, which holds the Dovecot rig (default: integration-tests/target/loadsim.jar).")
    Path loadsimJar;

    @Option(names = "--json", description = "Write the report here.")
    Path json;

    @Option(names = "--peers", description = "After ours, the same mailbox synced by each peer, each its own process: "
        + "angus, imapflow (comma-separated), or all. See docs/performance.md.")
    String peers;

    @Override
    public Integer call() throws Exception {
      List<SyncPeerKind> kinds;
      try {
        kinds = peers == null ? List.of() : SyncPeerKind.parse(peers); // a typo fails before the run
      } catch (IllegalArgumentException e) {
        System.err.println("error: " + e.getMessage());
        return 2;
      }
      new InitialSyncBenchmark(messages, corpus, simulatorJar(loadsimJar), System.out)
          .peers(kinds, Path.of(System.getenv().getOrDefault("IMAP_SYNC_ROOT", "."))).run(json);
      return 0;
    }
  }

  @Command(name = "fleet", mixinStandardHelpOptions = true,
      description = "Idle mailboxes across several daemon processes of one machine (a fleet: --node-id nodes and a"
          + " coordinator) against simulator processes sharing one population: memory and idle CPU per node, push"
          + " latency for the machine.")
  static final class Fleet implements Callable<Integer> {
    @Option(names = "--mailboxes", defaultValue = "50000", description = "Idle mailboxes in all (default: ${DEFAULT-VALUE}).")
    int mailboxes;

    @Option(names = "--nodes", defaultValue = "3", description = "Daemon processes (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--rate", defaultValue = "200", description = "Deliveries per second while measuring push latency (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--measure", defaultValue = "PT20S", description = "How long deliveries run (default: ${DEFAULT-VALUE}).")
    java.time.Duration measure;

    @Option(names = "--loadsim-jar", description = "The simulator jar (default: integration-tests/target/loadsim.jar).")
    Path loadsimJar;

    @Option(names = "--json", description = "Write the report here.")
    Path json;

    @Override
    public Integer call() throws Exception {
      ObjectNode report = new io.imapsync.bench.ShardedFleetBenchmark(mailboxes, nodes, rate, measure,
          simulatorJar(loadsimJar), System.out).run();
      if (json != null) {
        Files.writeString(json, report.toPrettyString() + "\n");
        System.out.println("report: " + json);
      }
      return 0;
    }
  }
}
