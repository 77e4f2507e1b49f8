package io.imapsync.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imapsync.accounts.AccountRecord;
import io.imapsync.accounts.AccountRegistry;
import io.imapsync.accounts.AuthKind;
import io.imapsync.accounts.SecretBox;
import io.imapsync.consumer.StreamTail;
import io.imapsync.demo.LocalRedis;
import io.imapsync.imap.session.Security;
import io.imapsync.model.Json;
import io.imapsync.publish.KeyLayout;
import io.imapsync.consumer.StreamWakeups;
import io.imapsync.redis.RedisConnection;
import io.imapsync.redis.RedisConnector;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Many idle mailboxes on one machine across several daemon processes: the fleet of issue 7
 * (nodes with {@code --node-id} and one coordinator) against simulator processes that share one
 * population, each process under the open-file limit. Each node is measured on its own: heap per
 * idle mailbox after a full GC (jcmd GC.run, read from its own metrics endpoint) and RSS per
 * mailbox, both above the node's own figures before it had accounts; CPU while idle; then push
 * latency at a delivery rate for the whole machine, every delivery once.
 *
 * <p>Run: {@code bin/imap-sync bench fleet --mailboxes 50000 --nodes 3 --json target/fleet-bench.json}
 */
public final class ShardedFleetBenchmark {
  /** Mailboxes per simulator process: its connections stay under the 20,000 open files allowed. */
  static final int PER_SIMULATOR = 18_000;

  private final int mailboxes;
  private final int nodeCount;
  private final double rate;
  private final Duration measure;
  private final Path loadsimJar;
  private final PrintStream out;
  private final HttpClient http = HttpClient.newHttpClient();

  public ShardedFleetBenchmark(int mailboxes, int nodes, double rate, Duration measure, Path loadsimJar, PrintStream out) {
    if (nodes < 1 || mailboxes < nodes) {
      throw new IllegalArgumentException("--nodes must be 1 or more, and at most --mailboxes");
    }
    this.mailboxes = mailboxes;
    this.nodeCount = nodes;
    this.rate = rate;
    this.measure = measure;
    this.loadsimJar = loadsimJar;
    this.out = out;
  }

  /** One daemon process of the fleet. */
  private record Node(String id, Process process, int metricsPort, Path log) {}

  public ObjectNode run() throws Exception {
    ObjectNode report = Json.MAPPER.createObjectNode();
    report.put("benchmark", "sharded-fleet");
    report.put("mailboxes", mailboxes);
    report.put("nodes", nodeCount);
    report.put("cores", Runtime.getRuntime().availableProcessors());
    report.put("java", Runtime.version().toString());
    int simulators = (mailboxes + PER_SIMULATOR - 1) / PER_SIMULATOR;
    String external = System.getenv("REDIS_URL");
    List<LoadSimProcess> sims = new ArrayList<>();
    List<Node> nodes = new ArrayList<>();
    Process coordinator = null;
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    String keys = "k1:" + Base64.getEncoder().encodeToString(key);
    String prefix = "bench-fleet-" + ProcessHandle.current().pid();
    KeyLayout layout = new KeyLayout(prefix, 16);
    Path logs = Files.createTempDirectory("imap-sync-fleet-bench");
    // Closed last, by hand: the nodes need Redis while they stop (a try-with-resources would close
    // it before the finally block below ran).
    LocalRedis local = external == null || external.isBlank() ? LocalRedis.start() : null;
    try {
      String url = local != null ? local.url() : external.strip();
      for (int i = 0; i < simulators; i++) {
        sims.add(LoadSimProcess.start(loadsimJar, mailboxes, List.of("--process-index", Integer.toString(i),
            "--process-count", Integer.toString(simulators))));
      }
      Map<String, String> env = Map.of("IMAP_SYNC_SECRET_KEYS", keys, "REDIS_URL", url,
          "IMAP_SYNC_ADMIN_TOKEN", "bench-" + Long.toHexString(new SecureRandom().nextLong()), "IMAP_SYNC_LOG_LEVEL", "WARN");
      // Registered before any process reads the registry (each change would make them all re-read it).
      long registering = System.nanoTime();
      register(url, layout, new SecretBox(Map.of("k1", key)), sims);
      out.printf("registered %d accounts in %.1f s%n", mailboxes, (System.nanoTime() - registering) / 1e9);
      for (int n = 1; n <= nodeCount; n++) {
        int port = LocalRedis.freePort();
        String id = "bench-n" + n;
        nodes.add(new Node(id, start(env, logs.resolve(id + ".log"), "run", "--node-id", id, "--key-prefix", prefix,
            "--connects-per-second", "2000", "--metrics-port", Integer.toString(port)), port, logs.resolve(id + ".log")));
      }
      for (Node n : nodes) {
        awaitMetrics(n);
      }
      // Each node's own figures before it has an account: what the mailboxes add is measured above them.
      Map<String, long[]> baseline = new HashMap<>();
      for (Node n : nodes) {
        baseline.put(n.id(), new long[] {heapAfterGc(n), ProcStats.settledRssBytes(n.process().pid())});
      }
      // The coordinator last: until it assigns, the nodes hold nothing (their baseline above).
      coordinator = start(env, logs.resolve("coordinator.log"), "coordinator", "--id", "bench-c1", "--key-prefix",
          prefix, "--admin-port", Integer.toString(LocalRedis.freePort()), "--moves-per-second", "5000",
          "--node-moves-per-second", "5000");
      out.printf("nodes measured empty; the coordinator assigns %d accounts; waiting for every mailbox to reach IDLE%n",
          mailboxes);
      long started = System.nanoTime();
      long deadline = started + TimeUnit.MINUTES.toNanos(15);
      long idle;
      while ((idle = idleAtSimulators(sims)) < mailboxes) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("only " + idle + " of " + mailboxes + " mailboxes reached IDLE in 15 minutes");
        }
        TimeUnit.SECONDS.sleep(1); // a benchmark's progress poll
      }
      double allIdleSeconds = (System.nanoTime() - started) / 1e9;
      ArrayNode perNode = report.putArray("per_node");
      out.printf("fleet: %d mailboxes on %d nodes (separate processes), %d simulator processes, one Redis%n",
          mailboxes, nodeCount, simulators);
      out.printf("  all in IDLE after %.1f s (from the coordinator's start)%n", allIdleSeconds);
      // RSS above the empty node is the cost of the mailboxes, but the empty node had just read the
      // whole registry (its heap grown for it), so it can come out low, even negative: the whole
      // RSS per mailbox (fixed costs included) is printed beside it as the upper bound.
      out.printf("  %-10s %8s %12s %12s %12s %10s %8s%n", "node", "mailboxes", "heap KiB/mb", "RSS KiB/mb",
          "RSS all/mb", "CPU idle %", "threads");
      long totalHeap = 0;
      long totalRss = 0;
      long totalRssAll = 0;
      for (Node n : nodes) {
        int idleHere = (int) metric(n, "imapsync_sessions{state=\"idle\"");
        long heap = heapAfterGc(n) - baseline.get(n.id())[0];
        long rssAll = ProcStats.settledRssBytes(n.process().pid());
        long rss = rssAll - baseline.get(n.id())[1];
        totalRssAll += rssAll;
        long cpu0 = ProcStats.cpuNanos(n.process().pid());
        long wall0 = System.nanoTime();
        TimeUnit.SECONDS.sleep(5); // CPU while idle: measured over this window
        double cpu = 100.0 * (ProcStats.cpuNanos(n.process().pid()) - cpu0) / (System.nanoTime() - wall0);
        totalHeap += heap;
        totalRss += rss;
        ObjectNode o = perNode.addObject();
        o.put("node", n.id());
        o.put("mailboxes_idle", idleHere);
        o.put("heap_bytes_per_idle_mailbox", idleHere == 0 ? 0 : heap / idleHere);
        o.put("rss_bytes_per_idle_mailbox", idleHere == 0 ? 0 : rss / idleHere);
        o.put("rss_bytes_per_idle_mailbox_with_fixed_costs", idleHere == 0 ? 0 : rssAll / idleHere);
        o.put("cpu_percent_of_one_core_while_idle", Math.round(cpu * 10) / 10.0);
        o.put("threads", ProcStats.threads(n.process().pid()));
        out.printf("  %-10s %8d %12.2f %12.2f %12.2f %10.1f %8d%n", n.id(), idleHere,
            heap / 1024.0 / Math.max(1, idleHere), rss / 1024.0 / Math.max(1, idleHere),
            rssAll / 1024.0 / Math.max(1, idleHere), cpu, ProcStats.threads(n.process().pid()));
      }
      report.put("seconds_until_all_idle", Math.round(allIdleSeconds * 10) / 10.0);
      report.put("heap_bytes_per_idle_mailbox", totalHeap / mailboxes);
      report.put("rss_bytes_per_idle_mailbox", totalRss / mailboxes);
      report.put("rss_bytes_per_idle_mailbox_with_fixed_costs", totalRssAll / mailboxes);

      // Push latency across the machine.
      List<Long> latencies = new ArrayList<>();
      List<Long> cold = new ArrayList<>();
      Map<String, Integer> seen = new HashMap<>();
      int planned = (int) Math.round(rate * measure.toSeconds());
      try (RedisConnector client = RedisConnector.create(url);
           RedisConnection c = client.connect();
           var pubSub = client.connectPubSub();
           StreamWakeups wakeups = StreamWakeups.subscribe(pubSub, layout.wakeChannels())) {
        StreamTail tail = new StreamTail(c, layout, false, wakeups);
        // The same warm-up as the single-process run (see IdleFleetBenchmark.WARMUP), reported apart.
        int warmups = (int) Math.round(rate * IdleFleetBenchmark.WARMUP.toSeconds());
        Thread warm = pace(sims, warmups, 41);
        IdleFleetBenchmark.collectStamped(tail, warmups,
            System.nanoTime() + IdleFleetBenchmark.WARMUP.toNanos() + TimeUnit.SECONDS.toNanos(30), cold, new HashMap<>());
        warm.join();
        cold.sort(null);
        Thread sender = pace(sims, planned, 42);
        IdleFleetBenchmark.collectStamped(tail, planned,
            System.nanoTime() + measure.toNanos() + TimeUnit.SECONDS.toNanos(30), latencies, seen);
        sender.join();
      }
      latencies.sort(null);
      long twice = seen.values().stream().filter(v -> v > 1).count();
      report.put("deliveries", planned);
      report.put("delivered", seen.size());
      report.put("duplicates", twice);
      report.put("rate_per_second", rate);
      report.put("push_latency_ms_p50", Percentiles.millis(latencies, 0.50));
      report.put("push_latency_ms_p99", Percentiles.millis(latencies, 0.99));
      report.put("push_latency_ms_p999", Percentiles.millis(latencies, 0.999));
      report.put("push_latency_cold_ms_p99", Percentiles.millis(cold, 0.99));
      out.printf("  whole machine: heap %.2f KiB, RSS %.2f KiB (%.2f KiB with the JVMs' fixed costs) per idle mailbox%n",
          totalHeap / 1024.0 / mailboxes, totalRss / 1024.0 / mailboxes, totalRssAll / 1024.0 / mailboxes);
      out.printf("  push latency at %.0f/s  p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms (%d of %d delivered, %d twice)%n",
          rate, Percentiles.millis(latencies, 0.50), Percentiles.millis(latencies, 0.99),
          Percentiles.millis(latencies, 0.999), seen.size(), planned, twice);
      out.printf("  cold (the %d warm-up deliveries before): p99 %.1f ms%n", cold.size(), Percentiles.millis(cold, 0.99));
      out.println("  logs: " + logs);
      return report;
    } finally {
      for (Node n : nodes) {
        n.process().destroy(); // SIGTERM to all at once: each releases its accounts and leaves
      }
      for (Node n : nodes) {
        stop(n.process());
      }
      if (coordinator != null) {
        stop(coordinator);
      }
      for (LoadSimProcess s : sims) {
        s.close();
      }
      if (local != null) {
        local.close();
      }
    }
  }

  private void register(String url, KeyLayout layout, SecretBox box, List<LoadSimProcess> sims) {
    try (RedisConnector client = RedisConnector.create(url);
         RedisConnection c = client.connect()) {
      AccountRegistry registry = new AccountRegistry(c.sync(), layout);
      long now = System.currentTimeMillis();
      for (int i = 1; i <= mailboxes; i++) {
        String user = DeliveryPacer.user(i);
        LoadSimProcess sim = sims.get((i - 1) % sims.size()); // the simulator's own split of the population
        String host = "127.0.0." + (1 + (i % sim.addresses()));
        registry.put(new AccountRecord(user, host, sim.port(), Security.PLAIN_INSECURE, user, AuthKind.PASSWORD,
            box.seal(user, "pw"), List.of("INBOX"), 1, 0, 10, List.of(), null, false, now, now));
      }
    }
  }

  private Thread pace(List<LoadSimProcess> sims, int count, long seed) {
    Random random = new Random(seed);
    return Thread.ofPlatform().name("bench-deliveries").start(() -> {
      long gap = (long) (1e9 / rate);
      long next = System.nanoTime();
      try {
        for (int i = 0; i < count; i++) {
          int index = 1 + random.nextInt(mailboxes);
          sims.get((index - 1) % sims.size()).send("deliver " + DeliveryPacer.user(index) + " INBOX");
          next += gap;
          long wait = next - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait); // pacing the delivery rate
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  private static long idleAtSimulators(List<LoadSimProcess> sims) throws InterruptedException {
    long idle = 0;
    for (LoadSimProcess s : sims) {
      JsonNode stats = s.stats(Duration.ofSeconds(10));
      idle += stats == null ? 0 : stats.path("idle").asLong();
    }
    return idle;
  }

  /** A node with this JVM's own flags (the launcher's documented defaults) and class path. */
  private static Process start(Map<String, String> env, Path log, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(LoadSimProcess.javaBin());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("-X") || a.startsWith("--sun-misc") || a.startsWith("--enable-native-access")) {
        cmd.add(a);
      }
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.imapsync.cli.ImapSyncCommand"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    return pb.start();
  }

  private static void stop(Process p) throws InterruptedException {
    p.destroy();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private void awaitMetrics(Node n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (true) {
      try {
        metric(n, "jvm_memory_used_bytes{area=\"heap\"");
        return;
      } catch (IOException | RuntimeException e) {
        if (!n.process().isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException("node " + n.id() + " did not start; see " + n.log(), e);
        }
        TimeUnit.MILLISECONDS.sleep(200); // waiting for the child's endpoint
      }
    }
  }

  /** The sum of the samples whose line starts with {@code prefix}, from the node's /metrics. */
  private double metric(Node n, String prefix) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.metricsPort()
        + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("metrics of " + n.id() + ": HTTP " + r.statusCode());
    }
    double sum = 0;
    for (String line : r.body().split("\n")) {
      if (line.startsWith(prefix)) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  private long heapAfterGc(Node n) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    for (int i = 0; i < 2; i++) {
      Process p = new ProcessBuilder(jcmd.toString(), Long.toString(n.process().pid()), "GC.run")
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      p.waitFor(60, TimeUnit.SECONDS);
    }
    return (long) metric(n, "jvm_memory_used_bytes{area=\"heap\"");
  }
}
