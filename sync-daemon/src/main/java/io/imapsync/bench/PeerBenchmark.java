package io.imapsync.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imapsync.demo.LocalRedis;
import io.imapsync.model.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The idle-fleet scenario for each peer (bench --peers), each against a fresh simulator process
 * with the same mailboxes, delivery rate, seed and measure window as the daemon's run: time until
 * the simulator counts every mailbox in IDLE, heap per mailbox (the peer measures itself after a
 * full GC, less its own figure before connecting), RSS per mailbox and threads (from /proc, less
 * the RSS before connecting), CPU over a quiet window, push latency and each delivery received
 * once. The report gains a {@code peers} section. With {@link PeerWork#FULL} (the default) each
 * peer does the daemon's job per new message (fetched whole, parsed, a JSON document appended to
 * a Redis stream) and the push latency stops where the daemon's does, at the benchmark's reader
 * of that stream; with {@link PeerWork#ENVELOPE} at the Message-ID in the peer's hands.
 */
public final class PeerBenchmark {
  /** Connects in flight at once in every peer; the daemon's own limiter allows 2,000 per second. */
  static final int CONNECT_CONCURRENCY = 100;

  private final int mailboxes;
  private final double rate;
  private final Duration measure;
  private final Path loadsimJar;
  private final Path root;
  private final PrintStream out;
  private PeerWork work = PeerWork.FULL;

  public PeerBenchmark(int mailboxes, double rate, Duration measure, Path loadsimJar, Path root, PrintStream out) {
    this.mailboxes = mailboxes;
    this.rate = rate;
    this.measure = measure;
    this.loadsimJar = loadsimJar;
    this.root = root;
    this.out = out;
  }

  public PeerBenchmark work(PeerWork work) {
    this.work = work;
    return this;
  }

  /** Runs every peer in turn, adds {@code peers} to {@code ours} and prints the comparison. */
  public void run(List<PeerKind> kinds, ObjectNode ours) throws Exception {
    ObjectNode peers = ours.putObject("peers");
    String external = System.getenv("REDIS_URL");
    try (LocalRedis local = work == PeerWork.FULL && (external == null || external.isBlank()) ? LocalRedis.start() : null) {
      String redisUrl = local != null ? local.url() : external == null ? null : external.strip();
      runAll(kinds, peers, redisUrl);
    }
    new PeerTable(out).print(ours, peers);
  }

  private void runAll(List<PeerKind> kinds, ObjectNode peers, String redisUrl) throws Exception {
    for (PeerKind kind : kinds) {
      out.printf("peer %s: %d mailboxes...%n", kind.id(), mailboxes);
      Path log = Files.createTempFile("imap-sync-peer-" + kind.id() + "-", ".log");
      ObjectNode result = Json.MAPPER.createObjectNode();
      result.put("configuration", kind.description());
      result.put("work", work.id());
      result.put("connect_concurrency", CONNECT_CONCURRENCY);
      result.put("stderr_log", log.toString());
      try {
        runOne(kind, log, result, redisUrl);
      } catch (IOException | RuntimeException e) {
        // One peer that cannot run (no Node.js, say) must not cost the others' figures or ours.
        result.put("error", e.getMessage() + "; its standard error is in " + log);
      }
      peers.set(kind.id(), result);
      out.printf("peer %s: %s%n", kind.id(), result.has("error") ? result.get("error").asText() : "done");
    }
  }

  private void runOne(PeerKind kind, Path log, ObjectNode r, String redisUrl) throws Exception {
    String stream = "bench-peer:" + ProcessHandle.current().pid() + ":" + kind.id(); // ours alone, deleted after
    List<String> more = work == PeerWork.FULL ? List.of("--redis-url", redisUrl, "--stream", stream) : List.of();
    try (LoadSimProcess sim = LoadSimProcess.start(loadsimJar, mailboxes);
         PeerProcess peer = PeerProcess.start(kind.command(loadsimJar.toString(), root), sim.port(), sim.addresses(),
             mailboxes, CONNECT_CONCURRENCY, more, ProcessBuilder.Redirect.appendTo(log.toFile()));
         PeerStreamReader reader = work == PeerWork.FULL ? PeerStreamReader.start(redisUrl, stream, peer) : null) {
      JsonNode started = peer.await("started", Duration.ofMinutes(5)); // the ImapFlow harness may run npm ci first
      long pid = peer.pid();
      // Settled, like the daemon's baseline and the idle reading (the peer waits for "connect").
      long rssBefore = ProcStats.settledRssBytes(pid);
      long connectAt = System.nanoTime();
      peer.send("connect");
      int idle = awaitIdle(sim, peer);
      double idleSeconds = (System.nanoTime() - connectAt) / 1e9;
      JsonNode progress = peer.lastProgress();
      r.put("mailboxes_idle", idle);
      r.put("seconds_until_all_idle", idle == mailboxes ? Percentiles.round(idleSeconds) : -1);
      if (progress != null) {
        r.put("failed_to_connect", progress.path("failed").asInt());
        r.put("connections_lost", progress.path("lost").asInt());
        if (progress.hasNonNull("first_error")) {
          r.put("first_error", progress.get("first_error").asText());
        }
      }
      if (idle == 0 || !peer.alive()) {
        r.put("error", idle == 0 ? "no mailbox reached IDLE" : "the peer exited; see " + log);
        return;
      }
      peer.send("gc");
      JsonNode memory = peer.await("memory", Duration.ofMinutes(2));
      long rssIdle = ProcStats.settledRssBytes(pid) - rssBefore;
      r.put("heap_bytes_per_idle_mailbox", (memory.path("heap_used_bytes").asLong()
          - started.path("heap_used_bytes").asLong()) / idle);
      r.put("rss_bytes_per_idle_mailbox", rssIdle / idle);
      r.put("threads_while_idle", ProcStats.threads(pid));
      ProcStats.threadNames(pid).forEach(r.putObject("thread_names_while_idle")::put);
      r.put("idle_window_after_quiet_seconds",
          Percentiles.round(ProcStats.awaitQuiet(pid, IdleFleetBenchmark.SETTLE_MAX)));
      long cpuBefore = ProcStats.cpuNanos(pid);
      var threadsBefore = ProcStats.cpuNanosByThread(pid);
      TimeUnit.NANOSECONDS.sleep(IdleFleetBenchmark.IDLE_WINDOW.toNanos()); // CPU while idle: this window
      r.put("cpu_seconds_while_idle", (ProcStats.cpuNanos(pid) - cpuBefore) / 1e9);
      ProcStats.topCpuMillis(threadsBefore, ProcStats.cpuNanosByThread(pid), 8)
          .forEach(r.putObject("cpu_ms_while_idle_by_thread")::put);
      r.put("idle_window_seconds", IdleFleetBenchmark.IDLE_WINDOW.toSeconds());

      // The daemon's delivery sequence: the same warm-up, then the same count, rate and seed.
      int warmups = (int) Math.round(rate * IdleFleetBenchmark.WARMUP.toSeconds());
      Thread warm = DeliveryPacer.start(sim, mailboxes, rate, warmups, 41);
      long warmEnd = System.nanoTime() + IdleFleetBenchmark.WARMUP.toNanos() + TimeUnit.SECONDS.toNanos(30);
      while (peer.receivedDistinct() < warmups && System.nanoTime() < warmEnd && peer.alive()) {
        TimeUnit.MILLISECONDS.sleep(100); // a benchmark's progress poll
      }
      warm.join();
      int skip = peer.recorded();
      List<Long> cold = peer.latenciesSortedFrom(0);
      int planned = (int) Math.round(rate * measure.toSeconds());
      Thread sender = DeliveryPacer.start(sim, mailboxes, rate, planned, 42);
      long end = System.nanoTime() + measure.toNanos() + TimeUnit.SECONDS.toNanos(30);
      while (peer.receivedDistinct() < skip + planned && System.nanoTime() < end && peer.alive()) {
        TimeUnit.MILLISECONDS.sleep(100); // a benchmark's progress poll
      }
      sender.join();
      List<Long> latencies = peer.latenciesSortedFrom(skip);
      r.put("warmup_deliveries", warmups);
      r.put("push_latency_cold_ms_p99", Percentiles.millis(cold, 0.99));
      r.put("threads_after_deliveries", ProcStats.threads(pid));
      r.put("deliveries", planned);
      r.put("delivered", peer.receivedDistinct() - skip);
      r.put("duplicates", peer.receivedTwice());
      r.put("rate_per_second", rate);
      r.put("push_latency_ms_p50", Percentiles.millis(latencies, 0.50));
      r.put("push_latency_ms_p99", Percentiles.millis(latencies, 0.99));
      r.put("push_latency_ms_p999", Percentiles.millis(latencies, 0.999));
      if (reader != null && reader.failure() != null) {
        r.put("stream_reader_error", reader.failure());
      }
      JsonNode stats = sim.stats(Duration.ofSeconds(5));
      r.put("max_connections_per_account", stats == null ? -1 : stats.path("maxConnectionsPerUser").asInt());
      if (memory.has("external_bytes")) {
        r.put("node_external_bytes", memory.get("external_bytes").asLong()); // buffers outside the V8 heap
      }
    }
  }

  /**
   * Polls the simulator's count of connections in IDLE until it is every mailbox, or the peer has
   * tried every mailbox and the count has not grown for 30 s (some failed), or 10 minutes passed.
   */
  private int awaitIdle(LoadSimProcess sim, PeerProcess peer) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    long lastGrowth = System.nanoTime();
    int idle = 0;
    while (idle < mailboxes && System.nanoTime() < deadline && peer.alive()) {
      JsonNode stats = sim.stats(Duration.ofSeconds(5));
      int now = stats == null ? idle : stats.path("idle").asInt();
      if (now > idle) {
        idle = now;
        lastGrowth = System.nanoTime();
      }
      JsonNode progress = peer.lastProgress();
      boolean triedAll = progress != null && "connected".equals(progress.path("type").asText());
      if (triedAll && System.nanoTime() - lastGrowth > TimeUnit.SECONDS.toNanos(30)) {
        break;
      }
      TimeUnit.MILLISECONDS.sleep(100); // a benchmark's progress poll, as the daemon's run polls its accounts
    }
    return idle;
  }
}
