package io.imapsync.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imapsync.daemon.SyncDaemon;
import io.imapsync.demo.LocalRedis;
import io.imapsync.imap.session.ImapEndpoint;
import io.imapsync.imap.session.Security;
import io.imapsync.model.Json;
import io.imapsync.publish.KeyLayout;
import io.imapsync.runtime.SharedResources;
import io.imapsync.sync.AccountConfig;
import io.imapsync.sync.AccountSync;
import io.imapsync.sync.SyncListener;
import io.imapsync.sync.WatcherState;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Initial sync end to end: one mailbox of N messages in a private Dovecot (its own process, the
 * {@code DovecotMailboxRig} of the simulator jar), synced by an in-process daemon into Redis:
 * fetch, normalize, thread, write. Figures: messages/s and MB/s from the account's start to the
 * last message mirrored (and the account back in IDLE), and the CPU our process used; once in a
 * fresh JVM (cold) and once more, as a second account on the same mailbox, warm.
 *
 * <p>Run: {@code bin/imap-sync bench initial-sync --messages 20000 --json target/initial-sync.json}
 */
public final class InitialSyncBenchmark {
  private final int messages;
  private final Path corpus;
  private final Path loadsimJar;
  private final PrintStream out;
  private List<SyncPeerKind> peers = List.of();
  private Path root = Path.of(".");

  public InitialSyncBenchmark(int messages, Path corpus, Path loadsimJar, PrintStream out) {
    this.messages = messages;
    this.corpus = corpus;
    this.loadsimJar = loadsimJar;
    this.out = out;
  }

  /**
   * After ours, each peer syncs the same folder of the same Dovecot into Redis (cold, then warm,
   * in a process of its own); {@code root} is the project (the ImapFlow peer's script).
   */
  public InitialSyncBenchmark peers(List<SyncPeerKind> kinds, Path projectRoot) {
    this.peers = List.copyOf(kinds);
    this.root = projectRoot;
    return this;
  }

  public ObjectNode run(Path jsonReport) throws Exception {
    if (!Files.isRegularFile(loadsimJar)) {
      throw new IllegalStateException("the simulator jar is missing: " + loadsimJar + " (bin/loadsim builds it)");
    }
    ObjectNode report = Json.MAPPER.createObjectNode();
    report.put("benchmark", "initial-sync");
    report.put("cores", Runtime.getRuntime().availableProcessors());
    report.put("java", Runtime.version().toString());
    List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
        loadsimJar.toString(), "io.imapsync.benchrig.DovecotMailboxRig", "--messages", Integer.toString(messages)));
    if (corpus != null) {
      command.addAll(List.of("--corpus", corpus.toString()));
    }
    out.printf("filling a private Dovecot with %,d messages%s ...%n", messages, corpus == null ? "" : " from " + corpus);
    Process rig = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String external = System.getenv("REDIS_URL");
    try (LocalRedis local = external == null || external.isBlank() ? LocalRedis.start() : null;
         BufferedReader rigOut = new BufferedReader(new InputStreamReader(rig.getInputStream(), StandardCharsets.UTF_8))) {
      String line = rigOut.readLine();
      if (line == null) {
        throw new IllegalStateException("the Dovecot rig exited before it was ready (is Dovecot installed? "
            + ".ci/install-test-deps installs it)");
      }
      JsonNode ready = Json.MAPPER.readTree(line);
      long bytes = ready.path("bytes").asLong();
      report.put("messages", messages);
      report.put("mailbox_bytes", bytes);
      report.put("source", corpus == null ? "generated conversations (SyntheticMail)" : corpus.toString());
      String url = local != null ? local.url() : external.strip();
      KeyLayout layout = new KeyLayout("bench-initial-" + ProcessHandle.current().pid(), 16);
      ImapEndpoint endpoint = ImapEndpoint.of(ready.path("host").asText(), ready.path("port").asInt(),
          Security.PLAIN_INSECURE);
      try (SharedResources resources = SharedResources.create();
           SyncDaemon daemon = new SyncDaemon(resources, url, layout, SyncListener.NONE, Duration.ofMinutes(4));
           io.imapsync.redis.RedisConnection redis = daemon.redisConnector().connect()) {
        // The first sync of a fresh JVM pays for JIT compilation (C2 threads took 40% of the CPU of a
        // 20,000-message run); a daemon runs for weeks. Both figures are reported: cold, then the
        // same mailbox again as another account, warm.
        ObjectNode cold = syncOnce(daemon, redis, layout, endpoint, ready, "cold", bytes);
        report.set("cold", cold);
        print("initial sync, cold JVM", cold);
        ObjectNode warm = syncOnce(daemon, redis, layout, endpoint, ready, "warm", bytes);
        report.set("warm", warm);
        print("initial sync, warm JVM", warm);
        if (!peers.isEmpty()) {
          ObjectNode results = report.putObject("peers");
          for (SyncPeerKind kind : peers) {
            results.set(kind.id(), runPeer(kind, ready, url, redis));
          }
          printTable(cold, warm, results);
        }
      }
    } finally {
      rig.getOutputStream().close(); // the rig stops Dovecot when its input ends
      if (!rig.waitFor(30, TimeUnit.SECONDS)) {
        rig.destroyForcibly();
      }
    }
    if (jsonReport != null) {
      Files.createDirectories(jsonReport.toAbsolutePath().getParent());
      Files.writeString(jsonReport, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(report));
      out.println("report: " + jsonReport);
    }
    return report;
  }

  /** One peer, cold then warm; a peer that cannot run (no Node.js, say) gets an error, not the run's end. */
  private ObjectNode runPeer(SyncPeerKind kind, JsonNode ready, String redisUrl, io.imapsync.redis.RedisConnection redis)
      throws InterruptedException {
    ObjectNode result = Json.MAPPER.createObjectNode();
    result.put("configuration", kind.description());
    out.printf("peer %s: syncing the same mailbox...%n", kind.id());
    try {
      Path log = Files.createTempFile("imap-sync-sync-peer-" + kind.id() + "-", ".log");
      result.put("stderr_log", log.toString());
      try (PeerInitialSync peer = PeerInitialSync.start(kind.command(loadsimJar.toString(), root),
          ready.path("host").asText(), ready.path("port").asInt(), ready.path("user").asText(),
          ready.path("password").asText(), redisUrl, ProcessBuilder.Redirect.appendTo(log.toFile()))) {
        peer.awaitStarted(Duration.ofMinutes(3));
        String stream = "bench-sync-peer-" + ProcessHandle.current().pid() + "-" + kind.id();
        for (String run : List.of("cold", "warm")) {
          ObjectNode r;
          try {
            r = peer.sync(run, stream + "-" + run, messages, redis.sync(), Duration.ofMinutes(20));
          } finally {
            redis.sync().del(stream + "-" + run);
          }
          result.set(run, r);
          print("  " + kind.id() + ", " + run, r);
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      result.put("error", String.valueOf(e.getMessage()));
      out.printf("peer %s: %s%n", kind.id(), e.getMessage());
    }
    return result;
  }

  private void printTable(ObjectNode cold, ObjectNode warm, ObjectNode results) {
    out.printf("%ninitial sync of the same %,d-message mailbox (x = peer / ours)%n", messages);
    StringBuilder head = new StringBuilder(String.format("  %-28s %14s", "", "imap-sync"));
    results.fieldNames().forEachRemaining(id -> head.append(String.format(" %20s", id)));
    out.println(head);
    row("msg/s, cold", "messages_per_second", cold, results, "cold");
    row("msg/s, warm", "messages_per_second", warm, results, "warm");
    row("CPU us per message, warm", "cpu_micros_per_message", warm, results, "warm");
    out.println("  ours: fetched, parsed, threaded into conversations, written with events and checkpoints through the"
        + " fenced write path; a peer: fetched, parsed, one JSON document per message appended to a Redis stream");
  }

  private void row(String label, String field, ObjectNode ours, ObjectNode results, String run) {
    double mine = ours.path(field).asDouble();
    StringBuilder line = new StringBuilder(String.format("  %-28s %14.0f", label, mine));
    results.fields().forEachRemaining(e -> {
      JsonNode r = e.getValue().path(run);
      line.append(r.isMissingNode() ? String.format(" %20s", "-")
          : String.format(" %20s", String.format("%.0f (%.2fx)", r.path(field).asDouble(),
              r.path(field).asDouble() / Math.max(1e-9, mine))));
    });
    out.println(line);
  }

  private void print(String what, ObjectNode r) {
    out.printf("%-26s %,8.0f msg/s  %6.1f MB/s  %6.1f s  CPU %5.1f s (%.0f us/msg)%n", what,
        r.path("messages_per_second").asDouble(), r.path("mb_per_second").asDouble(), r.path("seconds").asDouble(),
        r.path("cpu_seconds").asDouble(), r.path("cpu_micros_per_message").asDouble());
  }

  private ObjectNode syncOnce(SyncDaemon daemon, io.imapsync.redis.RedisConnection redis, KeyLayout layout,
      ImapEndpoint endpoint, JsonNode ready, String accountId, long bytes) throws Exception {
    long cpuBefore = cpuNanos();
    long started = System.nanoTime();
    AccountSync account = daemon.add(new AccountConfig(accountId, endpoint, ready.path("user").asText(),
        ready.path("password").asText(), "INBOX", Set.of(), messages));
    long deadline = started + TimeUnit.MINUTES.toNanos(20);
    long mirrored;
    while ((mirrored = redis.sync().hlen(layout.folderUids(accountId, "INBOX"))) < messages
        || account.state() != WatcherState.IDLE) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("only " + mirrored + " of " + messages + " messages mirrored in 20 minutes");
      }
      TimeUnit.MILLISECONDS.sleep(20); // a benchmark's progress poll, not a test's wait
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    double cpu = (cpuNanos() - cpuBefore) / 1e9;
    ObjectNode r = figures(mirrored, bytes, seconds, cpu);
    r.put("events_in_stream", streamLength(redis, layout));
    return r;
  }

  /** The figures of one sync, ours or a peer's: messages, seconds, msg/s, MB/s, CPU. */
  static ObjectNode figures(long messages, long bytes, double seconds, double cpuSeconds) {
    ObjectNode r = Json.MAPPER.createObjectNode();
    r.put("messages", messages);
    r.put("seconds", Math.round(seconds * 100) / 100.0);
    r.put("messages_per_second", Math.round(messages / seconds));
    r.put("mb_per_second", Math.round(bytes / seconds / 1e5) / 10.0);
    r.put("cpu_seconds", Math.round(cpuSeconds * 10) / 10.0);
    r.put("cpu_micros_per_message", Math.round(cpuSeconds * 1e6 / Math.max(1, messages)));
    return r;
  }

  private static long streamLength(io.imapsync.redis.RedisConnection redis, KeyLayout layout) {
    long n = 0;
    for (int p = 0; p < layout.partitions(); p++) {
      n += redis.sync().xlen(layout.stream(p));
    }
    return n;
  }

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }
}
