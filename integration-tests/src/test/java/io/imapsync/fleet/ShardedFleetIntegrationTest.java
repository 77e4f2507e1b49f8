package io.imapsync.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imapsync.accounts.AccountRecord;
import io.imapsync.accounts.AccountRegistry;
import io.imapsync.accounts.AuthKind;
import io.imapsync.accounts.SecretBox;
import io.imapsync.consumer.FeedEntry;
import io.imapsync.consumer.StreamTail;
import io.imapsync.consumer.StreamWakeups;
import io.imapsync.coordinator.cluster.ClusterKeys;
import io.imapsync.coordinator.cluster.FleetOps;
import io.imapsync.demo.LocalRedis;
import io.imapsync.imap.session.Security;
import io.imapsync.it.support.Await;
import io.imapsync.it.support.RedisFixture;
import io.imapsync.loadsim.Change;
import io.imapsync.loadsim.LoadSimConfig;
import io.imapsync.loadsim.LoadSimulator;
import io.imapsync.publish.KeyLayout;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A fleet of separate JVMs on loopback: two coordinators (one leads, one stands by) and three,
 * then four daemon nodes, with 3,000 accounts of the load simulator (one INBOX each, so one
 * connection: the simulator's per-account high-water mark must stay at 1 through every handoff).
 * In order, on one fleet:
 *
 * <ol>
 *   <li>balance: accounts per node max/mean at most 1.05;
 *   <li>a fourth node joins: at most 1.1 x 1/4 of the accounts move, none between the three that stayed;
 *   <li>the leading coordinator is killed: the standby leads within its lease and moves nothing;
 *   <li>drain of a node under a steady delivery rate: every delivery in the feed once, delivery
 *       latency p99 at most 2 s for the moved accounts, budgets held;
 *   <li>kill -9 of a node: each of its accounts back in IDLE on another node within lease TTL + 5 s
 *       (p99), deliveries made meanwhile all arrive;
 *   <li>SIGSTOP of a node for longer than its lease, then SIGCONT: it fences itself, no event with
 *       an older epoch follows one with a newer epoch for any account, no delivery announced under
 *       two event ids;
 *   <li>the sync checker: every account's mirrored INBOX UIDs equal the simulator's.
 * </ol>
 */
@Tag("integration")
class ShardedFleetIntegrationTest {
  private static final int ACCOUNTS = Integer.getInteger("fleet.shard.accounts", 3_000);
  private static final Duration LEASE = Duration.ofSeconds(4);
  private static final String TOKEN = "fleet-admin-token-" + Long.toHexString(new SecureRandom().nextLong());

  private final Map<String, FleetProcess> nodes = new LinkedHashMap<>();
  private final Map<String, FleetProcess> coordinators = new LinkedHashMap<>();
  private final Map<String, Integer> adminPorts = new HashMap<>();
  private Map<String, String> env;
  private RedisFixture redis;
  private String prefix;
  private KeyLayout layout;
  private FleetOps fleet;
  private LoadSimulator sim;
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void fleetBalancesHandsOverAndSurvivesCrashesWithoutLosingAChange() throws Exception {
    prefix = RedisFixture.uniquePrefix("shard");
    layout = new KeyLayout(prefix, 16);
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    String keys = "k1:" + Base64.getEncoder().encodeToString(k);
    LoadSimConfig config = LoadSimConfig.builder().mailboxes(ACCOUNTS).port(0).ioThreads(1)
        .inboxMessages(1).otherFolderMessages(0).build();
    redis = startRedis();
    env = Map.of("IMAP_SYNC_SECRET_KEYS", keys, "IMAP_SYNC_ADMIN_TOKEN", TOKEN, "IMAP_SYNC_LOG_LEVEL", "INFO");
    try (LoadSimulator simulator = LoadSimulator.start(config); FeedWatch feed = new FeedWatch()) {
      sim = simulator;
      fleet = new FleetOps(redis.sync(), new ClusterKeys(prefix));
      register(config, new SecretBox(Map.of("k1", k)));
      startCoordinator("c1");
      startCoordinator("c2");
      for (String n : List.of("n1", "n2", "n3")) {
        startNode(n);
      }
      awaitSettled("3 nodes", Duration.ofSeconds(180), 3);
      Map<String, Integer> counts = fleet.assignment().counts();
      double ratio = maxOverMean(counts);
      System.out.printf("[shard] 3 nodes, %d accounts: %s, max/mean %.3f%n", ACCOUNTS, counts, ratio);
      assertTrue(ratio <= 1.05, "load max/mean " + ratio + " > 1.05: " + counts);
      assertBudgets();

      // A fourth node joins.
      Map<String, String> before = fleet.assignment().owners();
      startNode("n4");
      awaitSettled("n4 joined", Duration.ofSeconds(120), 4);
      Map<String, String> after = fleet.assignment().owners();
      List<String> moved = changed(before, after);
      long amongStayers = moved.stream().filter(a -> !after.get(a).equals("n4")).count();
      double fraction = moved.size() / (double) ACCOUNTS;
      counts = fleet.assignment().counts();
      System.out.printf("[shard] n4 joined: %d accounts moved (%.3f of all, limit %.3f), %d between stayers; %s,"
          + " max/mean %.3f%n", moved.size(), fraction, 1.1 / 4, amongStayers, counts, maxOverMean(counts));
      assertTrue(fraction <= 1.1 / 4, "moved " + fraction + " of the accounts on a join");
      assertEquals(0, amongStayers, "accounts moved between nodes that stayed");
      assertTrue(maxOverMean(counts) <= 1.05, "unbalanced after the join: " + counts);
      assertBudgets();

      coordinatorFailover();

      drainUnderLoad(feed, "n4");
      killNine(feed, "n1");
      assertBudgets();
      freezeBeyondLease(feed, "n2");
      // A frozen process keeps its sockets until it wakes (no protocol can close them for it): its
      // accounts were briefly held twice. Once it fenced itself and logged out, budgets hold again.
      Await.until("the woken node's old connections closed", Duration.ofSeconds(30),
          () -> sim.connectionsPerUser().values().stream().allMatch(n -> n <= 1));
      sim.resetConnectionHighWater();

      awaitSettled("after everything", Duration.ofSeconds(120), 2);
      feed.awaitAll(Duration.ofSeconds(60));
      feed.assertNoDuplicateEffects();
      feed.assertEpochsNeverGoBack();
      assertBudgets();
      syncChecker();
      String audit = redis.sync().xrevrange(layout.audit(), io.lettuce.core.Range.create("-", "+"),
          io.lettuce.core.Limit.create(0, 20)).toString();
      assertTrue(audit.contains("drain"), "the drain is in the audit list: " + audit);
      assertWhereKeysLive(redis, prefix);
    } finally {
      for (FleetProcess p : nodes.values()) {
        p.close();
      }
      for (FleetProcess p : coordinators.values()) {
        p.close();
      }
      redis.deleteKeys(prefix);
      redis.close();
    }
  }

  /** The Redis the fleet shares; {@link ShardedFleetOnClusterIntegrationTest} runs it all on a Redis Cluster. */
  RedisFixture startRedis() {
    return RedisFixture.start();
  }

  /** Checks where the fleet's keys ended up (the cluster run checks they are spread over its masters). */
  void assertWhereKeysLive(RedisFixture redis, String prefix) {
    assertTrue(!redis.isCluster(), "a single Redis");
  }

  // ---- scenarios ------------------------------------------------------------------------------

  private void coordinatorFailover() throws Exception {
    String leader = leader();
    String standby = leader.equals("c1") ? "c2" : "c1";
    assertEquals("standby", status(standby).get("role"), "two coordinators, one leader");
    Map<String, String> before = fleet.assignment().owners();
    long killed = System.nanoTime();
    coordinators.get(leader).kill9();
    Await.until(standby + " leads", LEASE.plusSeconds(10), () -> "leader".equals(statusOrNull(standby)));
    double took = (System.nanoTime() - killed) / 1e9;
    // Its first tick as leader has run once its status shows the published version.
    long version = fleet.assignment().version();
    Await.until(standby + " has looked at the fleet", Duration.ofSeconds(10),
        () -> versionOf(standby) >= version);
    Map<String, String> after = fleet.assignment().owners();
    System.out.printf("[shard] coordinator %s killed: %s leads after %.1f s; accounts moved: %d%n", leader, standby, took,
        changed(before, after).size());
    assertEquals(before, after, "the assignment changed across a coordinator failover");
    startCoordinator(leader); // back as a standby
    Await.until(leader + " stands by", Duration.ofSeconds(60), () -> "standby".equals(statusOrNull(leader)));
  }

  private void drainUnderLoad(FeedWatch feed, String node) throws Exception {
    List<String> moving = accountsOf(node);
    Delivery load = new Delivery(feed, 50, moving);
    load.start();
    Await.until("steady deliveries flowing", Duration.ofSeconds(10), () -> load.sent.get() >= 50);
    CliResult drained = syncctl("drain", node);
    assertEquals(0, drained.exit, drained.out);
    assertTrue(drained.out.contains("drains"), drained.out);
    Await.until(node + " drained", Duration.ofSeconds(120), () -> accountsOf(node).isEmpty() && heldBy(node).isEmpty());
    awaitAllIdle(Duration.ofSeconds(60));
    load.stopAndJoin();
    feed.awaitAll(Duration.ofSeconds(60));
    List<Long> latencies = feed.latenciesMillis(load.sentTo(moving));
    long p99 = percentile(latencies, 0.99);
    System.out.printf("[shard] drain of %s (%d accounts) under %d deliveries/s: %d deliveries, %d to moving accounts,"
        + " latency p50 %d ms p99 %d ms max %d ms; all arrived once%n", node, moving.size(), 50, load.sent.get(),
        latencies.size(), percentile(latencies, 0.5), p99, percentile(latencies, 1.0));
    assertTrue(p99 <= 2_000, "push-latency gap p99 " + p99 + " ms during the drain");
    assertBudgets();
    CliResult nodesOut = syncctl("nodes");
    assertTrue(nodesOut.out.lines().anyMatch(l -> l.startsWith(node) && l.contains("draining")), nodesOut.out);
    // Drained, it can leave: SIGTERM, a clean exit, and its lease is gone at once.
    FleetProcess leaving = nodes.remove(node);
    int exit = leaving.terminate(60);
    // 143 = 128 + SIGTERM: how a JVM ends on SIGTERM once its shutdown hook finished (systemd counts it clean).
    assertTrue(exit == 0 || exit == 143, "a drained node exits on SIGTERM; exit " + exit);
    assertTrue(leaving.logContains("left the fleet"), "it left the fleet before exiting");
    assertTrue(redis.sync().get(new ClusterKeys(prefix).lease(node)) == null, "the leaving node gave its lease up");
  }

  private void killNine(FeedWatch feed, String node) throws Exception {
    List<String> victims = accountsOf(node);
    nodes.get(node).kill9();
    long killed = System.nanoTime();
    // Changes while nobody watches these accounts: they must arrive after the takeover.
    Random random = new Random(9);
    for (int i = 0; i < 50; i++) {
      feed.expect(sim.deliver(victims.get(random.nextInt(victims.size())), "INBOX"));
    }
    Map<String, Long> backAt = new ConcurrentHashMap<>();
    Set<String> pending = new HashSet<>(victims);
    Await.until("the killed node's accounts idle elsewhere", LEASE.plusSeconds(60), () -> {
      Set<String> idle = sim.idleUsers();
      long now = System.nanoTime();
      pending.removeIf(a -> {
        if (idle.contains(a) && !node.equals(redis.sync().hget(new ClusterKeys(prefix).holders(), a))) {
          backAt.put(a, now - killed);
          return true;
        }
        return false;
      });
      return pending.isEmpty();
    });
    List<Long> millis = backAt.values().stream().map(n -> n / 1_000_000).sorted().toList();
    long p99 = percentile(millis, 0.99);
    System.out.printf("[shard] kill -9 %s: %d accounts back in IDLE on other nodes: p50 %d ms, p99 %d ms, max %d ms"
        + " (lease %d s)%n", node, victims.size(), percentile(millis, 0.5), p99, percentile(millis, 1.0), LEASE.toSeconds());
    assertTrue(p99 <= LEASE.plusSeconds(5).toMillis(), "p99 " + p99 + " ms > lease TTL + 5 s");
    nodes.remove(node);
    feed.awaitAll(Duration.ofSeconds(60));
  }

  private void freezeBeyondLease(FeedWatch feed, String node) throws Exception {
    List<String> frozenAccounts = accountsOf(node);
    FleetProcess p = nodes.get(node);
    p.freeze();
    Random random = new Random(11);
    for (int i = 0; i < 30; i++) {
      feed.expect(sim.deliver(frozenAccounts.get(random.nextInt(frozenAccounts.size())), "INBOX"));
    }
    // Past its lease, the others take its accounts (the frozen process still holds its sockets).
    Await.until(node + "'s accounts reassigned", LEASE.plusSeconds(30), () -> accountsOf(node).isEmpty());
    Await.until(node + "'s accounts taken over", Duration.ofSeconds(60),
        () -> frozenAccounts.stream().noneMatch(a -> node.equals(redis.sync().hget(new ClusterKeys(prefix).holders(), a))));
    feed.awaitAll(Duration.ofSeconds(60));
    // More changes while it is still frozen, landing after it wakes with its old epoch.
    for (int i = 0; i < 30; i++) {
      feed.expect(sim.deliver(frozenAccounts.get(random.nextInt(frozenAccounts.size())), "INBOX"));
    }
    p.thaw();
    Await.until(node + " fenced itself on waking", Duration.ofSeconds(30),
        () -> p.logContains("lease not renewed in time"));
    feed.awaitAll(Duration.ofSeconds(60));
    System.out.printf("[shard] SIGSTOP %s beyond its lease (%d accounts), SIGCONT: it fenced itself; %s%n", node,
        frozenAccounts.size(), feed.summary());
  }

  // ---- checks -------------------------------------------------------------------------------

  /** Every account's INBOX as the simulator has it equals the mirror's UIDs in Redis. */
  private void syncChecker() {
    List<String> diffs = new ArrayList<>();
    for (int i = 1; i <= ACCOUNTS; i++) {
      String user = sim.userName(i);
      Set<String> truth = new HashSet<>();
      for (long uid : sim.uids(user, "INBOX")) {
        truth.add(Long.toString(uid));
      }
      Set<String> mirror = new HashSet<>(redis.sync().hkeys(layout.folderUids(user, "INBOX")));
      if (!truth.equals(mirror)) {
        diffs.add(user + ": server " + new TreeMap<>(Map.of("uids", truth)) + ", mirror " + mirror);
      }
    }
    System.out.printf("[shard] sync checker: %d accounts compared, %d differences%n", ACCOUNTS, diffs.size());
    assertTrue(diffs.isEmpty(), diffs.size() + " accounts differ: " + diffs.subList(0, Math.min(10, diffs.size())));
  }

  private void assertBudgets() {
    assertEquals(1, sim.maxConnectionsPerUser(), "an account held more than its one connection at once");
  }

  // ---- fleet plumbing -----------------------------------------------------------------------

  private void register(LoadSimConfig config, SecretBox box) {
    AccountRegistry registry = new AccountRegistry(redis.sync(), layout);
    long now = System.currentTimeMillis();
    for (int i = 1; i <= ACCOUNTS; i++) {
      String user = sim.userName(i);
      registry.put(new AccountRecord(user, "127.0.0.1", sim.port(), Security.PLAIN_INSECURE, user, AuthKind.PASSWORD,
          box.seal(user, config.password()), List.of("INBOX"), 2, 0, 50, List.of(), null, false, now, now));
    }
  }

  private void startNode(String id) throws Exception {
    nodes.put(id, FleetProcess.start(id, env, "run", "--node-id", id, "--lease-ttl", LEASE.toString(),
        "--connects-per-second", "1000", "--metrics-port", "0", "--redis-url", redis.url(), "--key-prefix", prefix));
  }

  private void startCoordinator(String id) throws Exception {
    int port = LocalRedis.freePort();
    adminPorts.put(id, port);
    coordinators.put(id, FleetProcess.start(id, env, "coordinator", "--id", id, "--lease-ttl", LEASE.toString(),
        "--admin-port", Integer.toString(port), "--moves-per-second", "400", "--node-moves-per-second", "200",
        "--redis-url", redis.url(), "--key-prefix", prefix));
  }

  /** Assignment placed on {@code liveNodes} nodes, every account held by its owner, and idle. */
  private void awaitSettled(String what, Duration deadline, int liveNodes) {
    ClusterKeys keys = new ClusterKeys(prefix);
    Await.until(what + ": every account assigned, held by its owner and idle", deadline, () -> {
      Map<String, String> owners = fleet.assignment().owners();
      if (owners.size() != ACCOUNTS || new HashSet<>(owners.values()).size() != liveNodes) {
        return false;
      }
      return owners.equals(redis.sync().hgetall(keys.holders())) && sim.idleUsers().size() == ACCOUNTS;
    });
  }

  private void awaitAllIdle(Duration deadline) {
    Await.until("every account idle", deadline, () -> sim.idleUsers().size() == ACCOUNTS);
  }

  private List<String> accountsOf(String node) {
    List<String> out = new ArrayList<>();
    fleet.assignment().owners().forEach((a, n) -> {
      if (n.equals(node)) {
        out.add(a);
      }
    });
    return out;
  }

  private List<String> heldBy(String node) {
    List<String> out = new ArrayList<>();
    redis.sync().hgetall(new ClusterKeys(prefix).holders()).forEach((a, n) -> {
      if (n.equals(node)) {
        out.add(a);
      }
    });
    return out;
  }

  private String leader() {
    for (String c : coordinators.keySet()) {
      if ("leader".equals(statusOrNull(c))) {
        return c;
      }
    }
    throw new AssertionError("no coordinator leads");
  }

  private String statusOrNull(String coordinator) {
    try {
      return (String) status(coordinator).get("role");
    } catch (Exception e) {
      return null;
    }
  }

  private long versionOf(String coordinator) {
    try {
      return ((Number) status(coordinator).get("version")).longValue();
    } catch (Exception e) {
      return -1;
    }
  }

  private Map<String, Object> status(String coordinator) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + adminPorts.get(coordinator) + "/v1/status");
    HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(401, anonymous.statusCode(), "the admin API refuses a request without the token");
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + TOKEN).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    @SuppressWarnings("unchecked")
    Map<String, Object> m = io.imapsync.model.Json.MAPPER.readValue(r.body(), Map.class);
    return m;
  }

  record CliResult(int exit, String out) {}

  private CliResult syncctl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "-XX:TieredStopAtLevel=1", "-cp", FleetProcess.JAR.toString(), "io.imapsync.cli.SyncCtlCommand"));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("--redis-url", redis.url(), "--key-prefix", prefix));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("IMAP_SYNC_LOG_LEVEL", "WARN");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
    return new CliResult(p.exitValue(), out);
  }

  private static List<String> changed(Map<String, String> before, Map<String, String> after) {
    List<String> out = new ArrayList<>();
    after.forEach((a, n) -> {
      if (!n.equals(before.get(a))) {
        out.add(a);
      }
    });
    return out;
  }

  private static double maxOverMean(Map<String, Integer> counts) {
    double mean = counts.values().stream().mapToInt(Integer::intValue).average().orElse(0);
    return counts.values().stream().mapToInt(Integer::intValue).max().orElse(0) / mean;
  }

  private static long percentile(List<Long> sorted, double q) {
    if (sorted.isEmpty()) {
      return 0;
    }
    List<Long> s = new ArrayList<>(sorted);
    s.sort(null);
    return s.get(Math.min(s.size() - 1, (int) Math.ceil(q * s.size()) - 1 < 0 ? 0 : (int) Math.ceil(q * s.size()) - 1));
  }

  // ---- deliveries and the feed ----------------------------------------------------------------

  /** Deliveries at a steady rate to random accounts, half of them to {@code focus}. */
  private final class Delivery {
    final FeedWatch feed;
    final int perSecond;
    final List<String> focus;
    final AtomicInteger sent = new AtomicInteger();
    final AtomicBoolean running = new AtomicBoolean(true);
    final Map<String, String> toAccount = new ConcurrentHashMap<>();
    Thread thread;

    Delivery(FeedWatch feed, int perSecond, List<String> focus) {
      this.feed = feed;
      this.perSecond = perSecond;
      this.focus = List.copyOf(focus);
    }

    void start() {
      thread = Thread.ofPlatform().daemon().name("deliveries").start(() -> {
        Random random = new Random(5);
        long next = System.nanoTime();
        while (running.get()) {
          String user = random.nextBoolean() ? focus.get(random.nextInt(focus.size()))
              : sim.userName(1 + random.nextInt(ACCOUNTS));
          Change.Delivered d = sim.deliver(user, "INBOX");
          feed.expect(d);
          toAccount.put(FeedWatch.bare(d.messageId()), user);
          sent.incrementAndGet();
          next += 1_000_000_000L / perSecond;
          java.util.concurrent.locks.LockSupport.parkNanos(Math.max(0, next - System.nanoTime())); // pacing, not waiting
        }
      });
    }

    void stopAndJoin() throws InterruptedException {
      running.set(false);
      thread.join();
    }

    Set<String> sentTo(Collection<String> accounts) {
      Set<String> ids = new HashSet<>();
      Set<String> wanted = new HashSet<>(accounts);
      toAccount.forEach((mid, user) -> {
        if (wanted.contains(user)) {
          ids.add(mid);
        }
      });
      return ids;
    }
  }

  /** Tails the feed from the start on its own connection and thread. */
  private final class FeedWatch implements AutoCloseable {
    final Map<String, Long> sentAt = new ConcurrentHashMap<>();
    final Map<String, Long> arrivedAt = new ConcurrentHashMap<>();
    final Map<String, Set<String>> eventIds = new ConcurrentHashMap<>();
    final Map<String, Long> lastEpoch = new ConcurrentHashMap<>();
    final List<String> epochRegressions = java.util.Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger events = new AtomicInteger();
    final AtomicBoolean running = new AtomicBoolean(true);
    final Thread thread;

    FeedWatch() {
      thread = Thread.ofPlatform().daemon().name("feed-watch").start(this::run);
    }

    static String bare(String messageId) {
      return messageId.startsWith("<") && messageId.endsWith(">") ? messageId.substring(1, messageId.length() - 1)
          : messageId;
    }

    void expect(Change.Delivered d) {
      sentAt.put(bare(d.messageId()), System.nanoTime());
    }

    private void run() {
      try (var c = redis.connect();
           var pubSub = redis.connector().connectPubSub();
           StreamWakeups wakeups = StreamWakeups.subscribe(pubSub, layout.wakeChannels())) {
        StreamTail tail = new StreamTail(c, layout, true, wakeups);
        while (running.get()) {
          for (FeedEntry e : tail.poll(Duration.ofMillis(100))) {
            long now = System.nanoTime();
            events.incrementAndGet();
            long epoch = e.event().path("epoch").asLong();
            Long prev = lastEpoch.put(e.accountId(), Math.max(epoch, lastEpoch.getOrDefault(e.accountId(), 0L)));
            if (prev != null && epoch < prev) {
              epochRegressions.add(e.accountId() + ": event " + e.eventId() + " epoch " + epoch + " after " + prev);
            }
            if (e.type().equals("message.created")) {
              String mid = bare(e.event().path("payload").path("message_id").asText());
              eventIds.computeIfAbsent(mid, x -> ConcurrentHashMap.newKeySet()).add(e.eventId());
              arrivedAt.putIfAbsent(mid, now);
            }
          }
        }
      }
    }

    void awaitAll(Duration deadline) {
      Await.until("every delivery in the feed (" + sentAt.size() + " sent)", deadline,
          () -> arrivedAt.keySet().containsAll(sentAt.keySet()));
    }

    List<Long> latenciesMillis(Set<String> messageIds) {
      List<Long> out = new ArrayList<>();
      for (String mid : messageIds) {
        Long s = sentAt.get(mid);
        Long a = arrivedAt.get(mid);
        if (s != null && a != null) {
          out.add((a - s) / 1_000_000);
        }
      }
      out.sort(null);
      return out;
    }

    void assertNoDuplicateEffects() {
      List<String> twice = new ArrayList<>();
      eventIds.forEach((mid, ids) -> {
        if (ids.size() > 1) {
          twice.add(mid + " " + ids);
        }
      });
      assertTrue(twice.isEmpty(), "deliveries announced under different event ids: " + twice);
    }

    void assertEpochsNeverGoBack() {
      assertTrue(epochRegressions.isEmpty(), "writes with a stale epoch were accepted: " + epochRegressions);
    }

    String summary() {
      return events.get() + " events in the feed, " + sentAt.size() + " deliveries tracked, " + epochRegressions.size()
          + " stale-epoch events";
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join(5_000);
    }
  }
}
