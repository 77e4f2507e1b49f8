package io.imapsync.cli;

import io.imapsync.accounts.AccountRegistry;
import io.imapsync.admin.AdminOptions;
import io.imapsync.admin.AdminServer;
import io.imapsync.admin.BearerToken;
import io.imapsync.admin.Health;
import io.imapsync.admin.HealthReport;
import io.imapsync.coordinator.assignment.BoundedLoadRendezvous;
import io.imapsync.coordinator.cluster.ClusterKeys;
import io.imapsync.coordinator.cluster.Coordinator;
import io.imapsync.coordinator.cluster.CoordinatorOptions;
import io.imapsync.daemon.RedisUrls;
import io.imapsync.ops.CoordinatorApi;
import io.imapsync.ownership.RegistryAccountSource;
import io.imapsync.publish.KeyLayout;
import io.imapsync.runtime.SharedResources;
import io.imapsync.redis.RedisConnection;
import io.imapsync.redis.RedisConnector;
import io.micrometer.core.instrument.Gauge;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "coordinator", mixinStandardHelpOptions = true,
    description = "Runs a shard coordinator: the leader (one at a time, by a Redis lease) assigns accounts to the"
        + " daemons started with --node-id; the others stand by. Serves an authenticated admin API.")
final class CoordinatorCommand implements Callable<Integer> {
  /** The admin API changes the fleet: it always takes a token, on loopback too. */
  static final String TOKEN_ENV = "IMAP_SYNC_ADMIN_TOKEN";
  static final int DEFAULT_ADMIN_PORT = 9470;

  @Option(names = "--id", description = "This coordinator's id (else IMAP_SYNC_COORDINATOR_ID, else the host name).")
  String id;

  @Option(names = "--redis-url", description = RedisUrls.OPTION_HELP)
  String redisUrl;

  @Option(names = "--key-prefix", defaultValue = KeyLayout.DEFAULT_PREFIX, description = "Redis key prefix (default: ${DEFAULT-VALUE}).")
  String prefix;

  @Option(names = "--partitions", defaultValue = "16", description = "Event stream partitions (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--lease-ttl", defaultValue = "PT10S",
      description = "The leader lease: a standby takes over at most this long after the leader dies (default: ${DEFAULT-VALUE}).")
  Duration leaseTtl;

  @Option(names = "--moves-per-second", defaultValue = "" + CoordinatorOptions.DEFAULT_MOVES_PER_SECOND,
      description = "Accounts handed between live nodes per second, fleet-wide (default: ${DEFAULT-VALUE}).")
  double movesPerSecond;

  @Option(names = "--node-moves-per-second", defaultValue = "" + CoordinatorOptions.DEFAULT_NODE_MOVES_PER_SECOND,
      description = "The same per node, giving or taking (default: ${DEFAULT-VALUE}).")
  double nodeMovesPerSecond;

  @Option(names = "--load-factor", defaultValue = "" + BoundedLoadRendezvous.DEFAULT_LOAD_FACTOR,
      description = "No node above this times its fair share of connections (default: ${DEFAULT-VALUE}).")
  double loadFactor;

  @Option(names = "--admin-address", defaultValue = AdminOptions.DEFAULT_ADDRESS,
      description = "Address of the admin API, metrics and health (default: ${DEFAULT-VALUE}).")
  String adminAddress;

  @Option(names = "--admin-port", defaultValue = "" + DEFAULT_ADMIN_PORT,
      description = "Port of the admin API, /metrics and /health/* (default: ${DEFAULT-VALUE}).")
  int adminPort;

  @Option(names = "--admin-token-file", description = "File holding the bearer token every admin request must carry"
      + " (else " + TOKEN_ENV + "); required.")
  Path adminTokenFile;

  @Override
  public Integer call() throws Exception {
    String name = id != null ? id : System.getenv("IMAP_SYNC_COORDINATOR_ID");
    if (name == null || name.isBlank()) {
      name = java.net.InetAddress.getLocalHost().getHostName();
    }
    CoordinatorOptions options;
    AdminOptions admin;
    try {
      options = new CoordinatorOptions(name, leaseTtl, CoordinatorOptions.DEFAULT_TICK, movesPerSecond,
          nodeMovesPerSecond, loadFactor);
      BearerToken token = adminTokenFile != null ? BearerToken.fromFile(adminTokenFile)
          : System.getenv(TOKEN_ENV) == null ? null : BearerToken.of(System.getenv(TOKEN_ENV));
      if (token == null) {
        throw new IllegalArgumentException("the admin API needs a bearer token: --admin-token-file FILE or " + TOKEN_ENV);
      }
      admin = AdminOptions.of(adminAddress, adminPort, token);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    KeyLayout layout = new KeyLayout(prefix, partitions);
    RedisConnector client;
    try {
      client = RedisConnector.create(redisUrl != null ? redisUrl : RedisUrls.fromEnvironment());
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch finished = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stop.countDown();
      try {
        finished.await(10, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
    try (SharedResources resources = SharedResources.create(1, 2);
         RedisConnection work = client.connect();
         RedisConnection api = client.connect();
         Coordinator coordinator = new Coordinator(work.stateful(), work.sync(), new ClusterKeys(prefix),
             new RegistryAccountSource(new AccountRegistry(work.sync(), layout)), options)) {
      resources.metrics().bindProcessMeters();
      var registry = resources.metrics().registry();
      Gauge.builder("imapsync_coordinator_leader", coordinator, c -> c.status().leader() ? 1 : 0)
          .description("1 while this coordinator leads, 0 on standby").register(registry);
      Gauge.builder("imapsync_coordinator_assignment_version", coordinator, c -> c.status().version())
          .description("Version of the assignment this leader published last").register(registry);
      Gauge.builder("imapsync_coordinator_pending_moves", coordinator, c -> c.status().pendingMoves())
          .description("Account moves waiting for the move rate limit").register(registry);
      AdminServer server;
      try {
        server = AdminServer.start(resources, admin, new CoordinatorHealth(coordinator, api),
            new CoordinatorApi(api.sync(), layout, coordinator, loadFactor));
      } catch (IllegalStateException e) {
        System.err.println("error: " + e.getMessage());
        return 2;
      }
      try (server) {
        coordinator.start();
        stop.await();
      }
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      finished.countDown();
    }
    return 0;
  }

  /** Live while the process runs; ready while it can reach Redis (leader or standby alike). */
  private record CoordinatorHealth(Coordinator coordinator, RedisConnection redis)
      implements Health {
    @Override
    public CompletableFuture<HealthReport> live() {
      return CompletableFuture.completedFuture(new HealthReport(true, details()));
    }

    @Override
    public CompletableFuture<HealthReport> ready() {
      return redis.async().ping().toCompletableFuture().orTimeout(2, java.util.concurrent.TimeUnit.SECONDS)
          .handle((pong, e) -> {
            Map<String, Object> d = details();
            d.put("redis", e == null ? "up" : "down: " + e.getMessage());
            return new HealthReport(e == null, d);
          });
    }

    private Map<String, Object> details() {
      Coordinator.Status s = coordinator.status();
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("id", coordinator.id());
      d.put("role", s.leader() ? "leader" : "standby");
      d.put("version", s.version());
      if (s.problem() != null) {
        d.put("problem", s.problem());
      }
      return d;
    }
  }
}
