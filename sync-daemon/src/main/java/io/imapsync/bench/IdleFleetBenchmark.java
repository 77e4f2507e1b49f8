package io.imapsync.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imapsync.consumer.FeedEntry;
import io.imapsync.consumer.StreamTail;
import io.imapsync.daemon.SyncDaemon;
import io.imapsync.demo.LocalRedis;
import io.imapsync.imap.session.ImapEndpoint;
import io.imapsync.imap.session.Security;
import io.imapsync.model.Json;
import io.imapsync.publish.KeyLayout;
import io.imapsync.runtime.SharedResources;
import io.imapsync.sync.AccountConfig;
import io.imapsync.sync.AccountSync;
import io.imapsync.sync.HostPolicy;
import io.imapsync.sync.SyncListener;
import io.imapsync.sync.WatcherState;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Idle mailboxes held by one daemon process, against the load simulator running as a process of
 * its own (so its memory is not counted as ours): N accounts watching INBOX, one connection each.
 * Figures: time until all are in IDLE, heap per idle mailbox after a full GC, RSS per mailbox,
 * CPU while idle, push latency (the simulator's stamp, in the Message-ID, to the event read back
 * from Redis) at a given delivery rate (every delivery must arrive once), and a reconnect storm
 * (the simulator drops every connection; time until all are back in IDLE, the peak accept rate,
 * and whether every change made during the outage arrived).
 *
 * <p>Run: {@code bin/imap-sync bench --mailboxes 2000 --json target/idle-bench.json}
 */
public final class IdleFleetBenchmark {
  private static final Pattern STAMP = Pattern.compile("^<?d(\\d+)\\.");
  /** How long idle CPU is measured, here and for the peers. */
  static final Duration IDLE_WINDOW = Duration.ofSeconds(10);
  /** The longest wait for a process to go quiet before its idle CPU is measured ({@link ProcStats#awaitQuiet}). */
  static final Duration SETTLE_MAX = Duration.ofSeconds(30);
  /**
   * Threads of this benchmark process that a daemon of its own would not have (the simulator's
   * process reaper and output reader, the delivery pacer): not counted as the daemon's, since each
   * peer runs in a process of its own with none of them.
   */
  static final java.util.Set<String> HARNESS_THREADS = java.util.Set.of("process reaper", "loadsim-out",
      "bench-deliveries");
  /**
   * Deliveries before the measured ones, at the same rate: the first deliveries compile the
   * delivery path (C2 compilations of up to 400 ms each, on one of two cores), which a daemon
   * running for weeks did long ago. Their latencies are reported apart, as the cold figures.
   */
  static final Duration WARMUP = Duration.ofSeconds(10);

  private final int mailboxes;
  private final double rate;
  private final Duration measure;
  private final Path loadsimJar;
  private final PrintStream out;

  private boolean tls;
  private int initialMessages = 10;
  private int connectsPerSecond = 2_000;

  public IdleFleetBenchmark(int mailboxes, double rate, Duration measure, Path loadsimJar, PrintStream out) {
    this.mailboxes = mailboxes;
    this.rate = rate;
    this.measure = measure;
    this.loadsimJar = loadsimJar;
    this.out = out;
  }

  /** Implicit TLS to the simulator (a self-signed certificate our sessions trust and verify). */
  public IdleFleetBenchmark tls(boolean on) {
    this.tls = on;
    return this;
  }

  /**
   * How many of each mailbox's newest messages the daemon syncs before it idles (default 10); 0
   * starts after the newest, as the peers do, for a like-for-like "all in IDLE" time.
   */
  public IdleFleetBenchmark initialMessages(int n) {
    this.initialMessages = n;
    return this;
  }

  /**
   * The per-host connect rate the daemon keeps to (default 2,000/s). The peers have no such limit;
   * a higher one shows what our logins cost without it.
   */
  public IdleFleetBenchmark connectsPerSecond(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("connects per second must be at least 1, got " + n);
    }
    this.connectsPerSecond = n;
    return this;
  }

  public ObjectNode run(Path jsonReport) throws Exception {
    ObjectNode report = Json.MAPPER.createObjectNode();
    report.put("benchmark", "idle-fleet");
    report.put("mailboxes", mailboxes);
    report.put("cores", Runtime.getRuntime().availableProcessors());
    report.put("java", Runtime.version().toString());
    report.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
    report.put("jvm_arguments", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
    String external = System.getenv("REDIS_URL");
    report.put("tls", tls);
    BenchCertificates certs = tls ? BenchCertificates.create(LoadSimProcess.addressesFor(mailboxes)) : null;
    try (LoadSimProcess sim = LoadSimProcess.start(loadsimJar, mailboxes, certs == null ? List.of() : certs.simulatorArgs());
         LocalRedis local = external == null || external.isBlank() ? LocalRedis.start() : null) {
      int addresses = sim.addresses();
      String url = local != null ? local.url() : external.strip();
      KeyLayout layout = new KeyLayout("bench-idle-" + ProcessHandle.current().pid(), 16);
      long self = ProcessHandle.current().pid();
      for (int i = 0; i < 3; i++) {
        System.gc();
      }
      long heapBefore = usedHeap();
      // Settled like the two readings after it (a single read here swung the daemon's fixed cost
      // between 11 and 31 MiB from run to run).
      long rssBefore = ProcStats.settledRssBytes(self);
      long started = System.nanoTime();
      try (SharedResources resources = SharedResources.create();
           SyncDaemon daemon = new SyncDaemon(resources, url, layout, SyncListener.NONE, Duration.ofMinutes(4))) {
        daemon.hostPolicy(new HostPolicy(connectsPerSecond, 20, 50f, Duration.ofSeconds(30), Duration.ofMillis(200),
            Duration.ofSeconds(5)));
        // The daemon's own fixed costs (event loops, worker pool, Redis client, meters): the
        // baseline of the per-mailbox figure, as the peers' figures start from their started harness.
        // Collected as the idle reading below is (three full GCs), so both give back alike.
        for (int i = 0; i < 3; i++) {
          System.gc();
        }
        long rssEmptyDaemon = ProcStats.settledRssBytes(self);
        started = System.nanoTime();
        List<AccountSync> accounts = new ArrayList<>(mailboxes);
        for (int i = 1; i <= mailboxes; i++) {
          String user = DeliveryPacer.user(i);
          String host = "127.0.0." + (1 + (i % addresses));
          ImapEndpoint endpoint = certs == null ? ImapEndpoint.of(host, sim.port(), Security.PLAIN_INSECURE)
              : new ImapEndpoint(host, sim.port(), Security.TLS, null, null, certs.pem().toString());
          accounts.add(daemon.add(new AccountConfig(user, endpoint, user, "pw",
              "INBOX", Set.of(), initialMessages)));
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        long idle;
        while ((idle = accounts.stream().filter(a -> a.state() == WatcherState.IDLE).count()) < mailboxes) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("only " + idle + " of " + mailboxes + " mailboxes reached IDLE in 10 minutes");
          }
          TimeUnit.MILLISECONDS.sleep(200); // a benchmark's progress poll, not a test's wait
        }
        double allIdleSeconds = (System.nanoTime() - started) / 1e9;
        double idleSessionsDaemon = DaemonFigures.read(resources.metrics().registry()).idleSessions();
        for (int i = 0; i < 3; i++) {
          System.gc();
        }
        long heapIdle = usedHeap() - heapBefore;
        long rssSettled = ProcStats.settledRssBytes(self);
        long rssIdle = rssSettled - rssEmptyDaemon;
        long rssIdleWithDaemon = rssSettled - rssBefore;
        int threadsIdleAll = ProcStats.threads(self);
        int threadsIdle = ProcStats.threadsExcept(self, HARNESS_THREADS);
        var threadNamesIdle = ProcStats.threadNames(self);
        ProcStats.warmUp(self);
        // The window's own readings once more, then the quiet wait: the first of them after the
        // warm-up still made C2 deoptimize and recompile /proc parsing (String.split, regex:
        // seen with -Xlog:jit+compilation) inside the window, billed to the daemon.
        ProcStats.topCpuMillis(ProcStats.cpuNanosByThread(self), ProcStats.cpuNanosByThread(self), 8);
        cpuNanos();
        double settleSeconds = ProcStats.awaitQuiet(self, SETTLE_MAX);
        long cpuBefore = cpuNanos();
        var threadsBefore = ProcStats.cpuNanosByThread(self);
        long wallBefore = System.nanoTime();
        TimeUnit.NANOSECONDS.sleep(IDLE_WINDOW.toNanos()); // CPU while idle: measured over this window
        long idleCpuNanos = cpuNanos() - cpuBefore;
        var idleCpuByThread = ProcStats.topCpuMillis(threadsBefore, ProcStats.cpuNanosByThread(self), 8);
        double idleCpuPercent = 100.0 * idleCpuNanos / (System.nanoTime() - wallBefore);

        // Push latency: deliveries at `rate` into random mailboxes, read back from the feed.
        var client = daemon.redisConnector();
        List<Long> latencies = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        int planned = (int) Math.round(rate * measure.toSeconds());
        int warmups = (int) Math.round(rate * WARMUP.toSeconds());
        List<Long> coldLatencies = new ArrayList<>();
        io.micrometer.core.instrument.distribution.HistogramSnapshot pushesBefore;
        try (var tailConnection = client.connect()) {
          StreamTail tail = new StreamTail(tailConnection, layout, false);
          Thread warm = DeliveryPacer.start(sim, mailboxes, rate, warmups, 41);
          collectStamped(tail, warmups, System.nanoTime() + WARMUP.toNanos() + TimeUnit.SECONDS.toNanos(30),
              coldLatencies, new HashMap<>());
          warm.join();
          coldLatencies.sort(null);
          pushesBefore = DaemonFigures.pushes(resources.metrics().registry());
          Thread sender = DeliveryPacer.start(sim, mailboxes, rate, planned, 42);
          collectStamped(tail, planned, System.nanoTime() + measure.toNanos() + TimeUnit.SECONDS.toNanos(30),
              latencies, seen);
          sender.join();
        }
        latencies.sort(null);
        // The measured pushes only: after the warm-up, before the storm adds its own.
        DaemonFigures daemonSide = DaemonFigures.read(resources.metrics().registry(), pushesBefore);
        long duplicates = seen.values().stream().filter(n -> n > 1).count();
        int threadsAfterDeliveries = ProcStats.threadsExcept(self, HARNESS_THREADS);

        // Reconnect storm: the simulator drops every connection; changes made during the outage
        // must all arrive; time until every mailbox is back in IDLE.
        int outageDeliveries = 200;
        Map<String, Integer> outageSeen = new HashMap<>();
        double stormSeconds;
        try (var tailConnection = client.connect()) {
          StreamTail tail = new StreamTail(tailConnection, layout, false);
          // Both sides count the storm alone: accepts at the simulator, connects begun here.
          sim.send("reset-high-water");
          daemon.hostGuards().resetPeaks();
          long dropAt = System.nanoTime();
          sim.send("drop");
          java.util.Random random = new java.util.Random(43);
          for (int i = 0; i < outageDeliveries; i++) {
            sim.send("deliver " + DeliveryPacer.user(1 + random.nextInt(mailboxes)) + " INBOX");
          }
          long stormDeadline = dropAt + TimeUnit.MINUTES.toNanos(5);
          while (accounts.stream().allMatch(a -> a.state() == WatcherState.IDLE) && System.nanoTime() < dropAt
              + TimeUnit.SECONDS.toNanos(5)) {
            TimeUnit.MILLISECONDS.sleep(20); // until the drop is noticed
          }
          while (accounts.stream().anyMatch(a -> a.state() != WatcherState.IDLE) && System.nanoTime() < stormDeadline) {
            for (FeedEntry e : tail.poll(Duration.ofMillis(100))) {
              if (e.type().equals("message.created")) {
                outageSeen.merge(e.event().path("payload").path("message_id").asText(), 1, Integer::sum);
              }
            }
          }
          stormSeconds = (System.nanoTime() - dropAt) / 1e9;
          long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
          while (outageSeen.size() < outageDeliveries && System.nanoTime() < end) {
            for (FeedEntry e : tail.poll(Duration.ofMillis(100))) {
              if (e.type().equals("message.created")) {
                outageSeen.merge(e.event().path("payload").path("message_id").asText(), 1, Integer::sum);
              }
            }
          }
        }
        JsonNode stats = sim.stats(Duration.ofSeconds(5));
        int peakAccepts = 0;
        if (stats != null) {
          for (JsonNode v : stats.path("peakAcceptsPerSecond")) {
            peakAccepts = Math.max(peakAccepts, v.asInt());
          }
        }
        report.put("reconnect_storm_seconds_until_all_idle", round(stormSeconds));
        report.put("reconnect_storm_changes_during_outage", outageDeliveries);
        report.put("reconnect_storm_changes_delivered", outageSeen.size());
        report.put("reconnect_storm_changes_twice", outageSeen.values().stream().filter(n -> n > 1).count());
        report.put("configured_connects_per_second_per_host", connectsPerSecond);
        report.put("peak_accepts_per_second_per_address", peakAccepts);
        int peakConnects = daemon.hostGuards().peakConnectsPerSecond();
        report.put("peak_connects_per_second_per_host_client_side", peakConnects);
        report.put("max_connections_per_account", stats == null ? -1 : stats.path("maxConnectionsPerUser").asInt());
        report.put("mailboxes_idle", mailboxes);
        report.put("seconds_until_all_idle", round(allIdleSeconds));
        report.put("initial_sync_messages_per_mailbox", initialMessages);
        report.put("heap_bytes_per_idle_mailbox", heapIdle / mailboxes);
        report.put("rss_bytes_per_idle_mailbox", rssIdle / mailboxes);
        report.put("rss_bytes_empty_daemon", rssEmptyDaemon - rssBefore);
        report.put("rss_bytes_per_idle_mailbox_with_daemon_start", rssIdleWithDaemon / mailboxes);
        report.put("threads_while_idle", threadsIdle);
        report.put("threads_after_deliveries", threadsAfterDeliveries);
        report.put("cpu_percent_of_one_core_while_idle", round(idleCpuPercent));
        report.put("cpu_seconds_while_idle", Math.round(idleCpuNanos / 1e6) / 1000.0);
        idleCpuByThread.forEach(report.putObject("cpu_ms_while_idle_by_thread")::put);
        threadNamesIdle.forEach(report.putObject("thread_names_while_idle")::put);
        report.put("idle_window_seconds", IDLE_WINDOW.toSeconds());
        report.put("idle_window_after_quiet_seconds", round(settleSeconds));
        report.put("threads_of_benchmark_not_counted", threadsIdleAll - threadsIdle);
        report.put("deliveries", planned);
        report.put("delivered", seen.size());
        report.put("duplicates", duplicates);
        report.put("rate_per_second", rate);
        report.put("push_latency_ms_p50", percentile(latencies, 0.50));
        report.put("push_latency_ms_p99", percentile(latencies, 0.99));
        report.put("push_latency_ms_p999", percentile(latencies, 0.999));
        report.put("warmup_deliveries", warmups);
        report.put("push_latency_cold_ms_p50", percentile(coldLatencies, 0.50));
        report.put("push_latency_cold_ms_p99", percentile(coldLatencies, 0.99));
        report.put("push_latency_cold_ms_p999", percentile(coldLatencies, 0.999));
        daemonSide.report(report, idleSessionsDaemon);
        out.printf("idle fleet: %d mailboxes (INBOX, one connection each%s), simulator in its own process%n", mailboxes,
            tls ? ", TLS" : "");
        out.printf("  all in IDLE after          %8.1f s (%s)%n", allIdleSeconds, initialMessages == 0
            ? "no initial sync: each starts after its newest message"
            : "each first syncs its " + initialMessages + " newest messages");
        out.printf("  heap per idle mailbox      %8.2f KiB (after full GC)%n", heapIdle / 1024.0 / mailboxes);
        out.printf("  RSS per idle mailbox       %8.2f KiB above the empty daemon (%.1f MiB); %.2f KiB counting it%n",
            rssIdle / 1024.0 / mailboxes, (rssEmptyDaemon - rssBefore) / 1048576.0,
            rssIdleWithDaemon / 1024.0 / mailboxes);
        out.printf("  CPU while idle             %8.1f %% of one core over %d s once quiet (after %.0f s; ms by thread: %s)%n",
            idleCpuPercent, IDLE_WINDOW.toSeconds(), settleSeconds, idleCpuByThread);
        out.printf("  push latency at %.0f/s      p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms (%d of %d delivered, %d twice)%n",
            rate, percentile(latencies, 0.5), percentile(latencies, 0.99), percentile(latencies, 0.999), seen.size(),
            planned, duplicates);
        out.printf("  cold (first %d, warm-up)   p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms (JIT compiling the delivery path)%n",
            warmups, percentile(coldLatencies, 0.5), percentile(coldLatencies, 0.99), percentile(coldLatencies, 0.999));
        out.printf("  daemon's own meters        %.0f sessions in IDLE; push to Redis ack p50 %.1f ms, p99 %.1f ms,"
            + " p99.9 %.1f ms (%d measured pushes, from the histogram buckets)%n", idleSessionsDaemon, daemonSide.p50Millis(),
            daemonSide.p99Millis(), daemonSide.p999Millis(), daemonSide.pushes());
        out.printf("  reconnect storm            all back in IDLE after %.1f s; %d of %d changes made during the outage"
            + " delivered; peak %d connects/s begun by us, %d accepts/s seen by the simulator (limit %,d/s per host);"
            + " max %s connections per account%n",
            stormSeconds, outageSeen.size(), outageDeliveries, peakConnects, peakAccepts, connectsPerSecond,
            stats == null ? "?" : stats.path("maxConnectionsPerUser").asText());
        try (var c = client.connect()) {
          List<String> keys = c.sync().keys(layout.prefix() + ":*");
          if (!keys.isEmpty()) {
            c.sync().del(keys.toArray(String[]::new));
          }
        }
      }
    }
    if (jsonReport != null) {
      Files.writeString(jsonReport, report.toPrettyString() + "\n");
      out.println("report: " + jsonReport);
    }
    return report;
  }

  /**
   * Reads the feed until {@code planned} stamped deliveries arrived (or the deadline): for each the
   * latency in microseconds from the simulator's stamp in its Message-ID, and how often it came.
   */
  static void collectStamped(StreamTail tail, int planned, long deadlineNanos, List<Long> latencies,
      Map<String, Integer> seen) {
    while (seen.size() < planned && System.nanoTime() < deadlineNanos) {
      for (FeedEntry e : tail.poll(Duration.ofMillis(100))) {
        if (!e.type().equals("message.created")) {
          continue;
        }
        java.time.Instant now = java.time.Instant.now(); // the simulator's stamp clock
        long arrived = now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
        String mid = e.event().path("payload").path("message_id").asText();
        Matcher m = STAMP.matcher(mid);
        if (m.find() && seen.merge(mid, 1, Integer::sum) == 1) {
          latencies.add(arrived - Long.parseLong(m.group(1)));
        }
      }
    }
  }

  private static double percentile(List<Long> sortedMicros, double p) {
    return Percentiles.millis(sortedMicros, p);
  }

  private static double round(double v) {
    return Percentiles.round(v);
  }

  private static long usedHeap() {
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }
}
