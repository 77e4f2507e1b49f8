package io.imapsync.peers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A Java peer as a process of its own, driven like the ImapFlow harness: it prints
 * {@code started} (after a full GC, before any connection), waits for {@code connect} on
 * standard input, prints {@code progress} every second and {@code connected} once every mailbox
 * is watched or failed, a {@code delivery} line per message received, {@code memory} for
 * {@code gc}, and exits on {@code quit} or when standard input closes. With {@code --redis-url}
 * it does the daemon's whole job per message instead of printing {@code delivery}: the driver
 * reads the stream.
 *
 * <p>{@code java -cp integration-tests/target/loadsim.jar io.imapsync.peers.PeerMain --peer
 * angus-thread --port P --mailboxes N}
 */
@Command(name = "peer", mixinStandardHelpOptions = true, description = "Holds mailboxes in IDLE the way a peer library does.")
public final class PeerMain implements Callable<Integer> {
  @Option(names = "--peer", required = true, description = "angus-thread or angus-idlemanager.")
  String peer;

  @Option(names = "--port", required = true, description = "The simulator's port.")
  int port;

  @Option(names = "--addresses", defaultValue = "1", description = "The simulator listens on 127.0.0.1..K (default: ${DEFAULT-VALUE}).")
  int addresses;

  @Option(names = "--mailboxes", required = true, description = "Users 1..N.")
  int mailboxes;

  @Option(names = "--user-prefix", defaultValue = "user")
  String userPrefix;

  @Option(names = "--password", defaultValue = "pw")
  String password;

  @Option(names = "--connect-concurrency", defaultValue = "100", description = "Connects in flight at once (default: ${DEFAULT-VALUE}).")
  int connectConcurrency;

  @Option(names = "--redis-url", description = "The full job: each new message fetched whole, parsed and appended "
      + "to --stream in this Redis, as the daemon does. Without it, only its envelope is fetched and timed here.")
  String redisUrl;

  @Option(names = "--stream", defaultValue = "peer:messages", description = "The Redis stream of --redis-url (default: ${DEFAULT-VALUE}).")
  String stream;

  public static void main(String[] args) {
    System.exit(new CommandLine(new PeerMain()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    IdlePeer impl = switch (peer) {
      case "angus-thread" -> new AngusThreadPeer();
      case "angus-idlemanager" -> new AngusIdleManagerPeer();
      default -> throw new CommandLine.ParameterException(new CommandLine(this), "unknown peer " + peer);
    };
    PeerOutput out = new PeerOutput();
    // Its Redis client starts before the baseline, as the daemon's does before its empty figures.
    MessagesToRedis toRedis = redisUrl == null ? null : new MessagesToRedis(redisUrl, stream);
    Arrivals arrivals = toRedis != null ? toRedis : new ArrivalRecorder(out);
    out.started(peer, heapAfterGc());
    List<Mailbox> fleet = Mailbox.fleet(mailboxes, userPrefix, password, port, addresses);
    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        switch (line.strip()) {
          case "connect" -> {
            ConnectTally tally = new ConnectTally(mailboxes);
            impl.start(fleet, connectConcurrency, tally, arrivals);
            Thread.ofPlatform().daemon().name("peer-progress").start(() -> report(tally, out));
          }
          case "gc" -> out.memory(heapAfterGc(), ManagementFactory.getThreadMXBean().getThreadCount());
          case "quit" -> {
            return 0;
          }
          case "" -> { }
          default -> out.error("unknown command " + line.strip());
        }
      }
    } catch (IOException e) {
      // the driver went away: nothing more to do
    } finally {
      if (toRedis != null) {
        toRedis.close();
      }
    }
    return 0;
  }

  /** Progress once a second until every mailbox is connected or failed, then the final line. */
  private static void report(ConnectTally tally, PeerOutput out) {
    while (!tally.done()) {
      try {
        TimeUnit.SECONDS.sleep(1); // a reporting period, not a wait for a condition
      } catch (InterruptedException e) {
        return;
      }
      out.progress(tally, false);
    }
    out.progress(tally, true);
  }

  private static long heapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc(); // as the daemon's benchmark does before reading its heap
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
