package io.imapsync.cli;

import io.imapsync.accounts.SecretBox;
import io.imapsync.admin.AdminOptions;
import io.imapsync.admin.AdminServer;
import io.imapsync.admin.BearerToken;
import io.imapsync.daemon.DaemonHealth;
import io.imapsync.daemon.AccountsFile;
import io.imapsync.daemon.IdleRenewals;
import io.imapsync.daemon.RegistryFollower;
import io.imapsync.daemon.RedisUrls;
import io.imapsync.daemon.SyncDaemon;
import io.imapsync.ownership.AccountGate;
import io.imapsync.ownership.NodeMembership;
import io.imapsync.publish.KeyLayout;
import io.imapsync.runtime.SharedResources;
import io.imapsync.sync.AccountConfig;
import io.imapsync.sync.SyncListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Runs the daemon against the Redis in REDIS_URL (or --redis-url) for the accounts in --accounts.")
final class RunCommand implements Callable<Integer> {
  @Option(names = "--accounts", description = "JSON file of accounts (see docs/configuration.md). Without it, the"
      + " daemon runs the accounts registered in Redis (syncctl account ...), following changes live.")
  Path accounts;

  @Option(names = "--redis-url", description = RedisUrls.OPTION_HELP)
  String redisUrl;

  @Option(names = "--key-prefix", defaultValue = KeyLayout.DEFAULT_PREFIX, description = "Redis key prefix (default: ${DEFAULT-VALUE}).")
  String prefix;

  @Option(names = "--partitions", defaultValue = "16", description = "Event stream partitions (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--idle-renewal", defaultValue = "PT4M", description = "Re-issue IDLE this often, ISO-8601 (default: ${DEFAULT-VALUE}).")
  Duration idleRenewal;

  @Option(names = "--idle-renewal-for", paramLabel = "HOST=DURATION",
      description = "Per-host IDLE renewal, repeatable; HOST may be *.domain (e.g. imap.gmail.com=PT9M).")
  List<String> idleRenewalFor = List.of();

  @Option(names = "--oauth-refresh-url", description = "OAuth2 accounts: POST {account_id, username} here for a new"
      + " access token when the server rejects one; answer {access_token}. HTTPS (http only on loopback); a bearer"
      + " credential for it in IMAP_SYNC_OAUTH_REFRESH_TOKEN.")
  java.net.URI oauthRefreshUrl;

  @Option(names = "--stream-retention", defaultValue = "PT24H",
      description = "Keep stream entries at least this long; older ones go once every consumer group acknowledged them (default: ${DEFAULT-VALUE}).")
  Duration streamRetention;

  @Option(names = "--metrics-address", defaultValue = AdminOptions.DEFAULT_ADDRESS,
      description = "Address of the metrics and health endpoint (default: ${DEFAULT-VALUE}). Anything but loopback"
          + " needs a bearer token.")
  String metricsAddress;

  @Option(names = "--metrics-port", defaultValue = "" + AdminOptions.DEFAULT_PORT,
      description = "Port of /metrics, /health/live and /health/ready (default: ${DEFAULT-VALUE}; 0: no endpoint).")
  int metricsPort;

  @Option(names = "--metrics-token-file", description = "File holding the bearer token every request must carry"
      + " (else " + BearerToken.ENV + "); required for a non-loopback --metrics-address.")
  Path metricsTokenFile;

  @Option(names = "--connects-per-second", defaultValue = "" + 20,
      description = "New IMAP connections per second to any one server host (default: ${DEFAULT-VALUE}; a fleet"
          + " reconnecting after an outage must not look like an attack to the provider).")
  int connectsPerSecond;

  @Option(names = "--node-id", description = "Joins a fleet as this node (else IMAP_SYNC_NODE_ID): runs only the"
      + " accounts the coordinator assigns to it. Without it the daemon runs every registered account.")
  String nodeId;

  @Option(names = "--node-weight", defaultValue = "1.0",
      description = "This node's capacity relative to the others (default: ${DEFAULT-VALUE}).")
  double nodeWeight;

  @Option(names = "--lease-ttl", defaultValue = "PT10S", description = "In a fleet: the node lease. A node that"
      + " cannot renew it in time stops all its accounts; the coordinator gives a dead node's accounts to others"
      + " after it (default: ${DEFAULT-VALUE}).")
  Duration leaseTtl;

  @Option(names = "--stop-grace", defaultValue = "PT45S", description = "On SIGTERM in a fleet: how long to wait"
      + " for every account to log out, land its last writes and be released (default: ${DEFAULT-VALUE}).")
  Duration stopGrace;

  @Override
  public Integer call() throws Exception {
    if (nodeId == null && System.getenv("IMAP_SYNC_NODE_ID") != null && !System.getenv("IMAP_SYNC_NODE_ID").isBlank()) {
      nodeId = System.getenv("IMAP_SYNC_NODE_ID");
    }
    if (connectsPerSecond < 1) {
      System.err.println("error: --connects-per-second must be at least 1, got " + connectsPerSecond);
      return 2;
    }
    if (nodeId != null && accounts != null) {
      System.err.println("error: --node-id runs the accounts registered in Redis; it cannot be combined with --accounts");
      return 2;
    }
    // First: an endpoint that would be open to the network without a token must stop the start.
    AdminOptions admin = null;
    try {
      if (metricsPort != 0) {
        admin = AdminOptions.of(metricsAddress, metricsPort, BearerToken.resolve(metricsTokenFile, System::getenv));
      }
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    List<AccountConfig> list = List.of();
    SecretBox secrets = null;
    try {
      if (accounts != null) {
        list = AccountsFile.read(accounts, System::getenv);
      } else {
        secrets = SecretBox.fromEnvironment(System::getenv);
      }
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    IdleRenewals renewals;
    try {
      renewals = new IdleRenewals(idleRenewal);
      for (String spec : idleRenewalFor) {
        renewals.with(spec);
      }
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    String url = redisUrl != null ? redisUrl : RedisUrls.fromEnvironment();
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch finished = new CountDownLatch(1);
    // SIGTERM runs the hooks, then the JVM halts: the hook waits until the main thread has stopped
    // the accounts (and, in a fleet, released them), or the JVM would cut that short.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stop.countDown();
      try {
        finished.await(stopGrace.toSeconds() + 15, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
    try (SharedResources resources = SharedResources.create();
         SyncDaemon daemon = new SyncDaemon(resources, url, new KeyLayout(prefix, partitions), SyncListener.NONE, idleRenewal)) {
      resources.metrics().bindProcessMeters();
      AdminServer adminServer;
      try {
        adminServer = admin == null ? null : AdminServer.start(resources, admin, new DaemonHealth(resources, daemon));
      } catch (IllegalStateException e) {
        System.err.println("error: " + e.getMessage()); // the port is taken, most likely
        return 2;
      }
      daemon.idleRenewals(renewals);
      daemon.hostPolicy(io.imapsync.sync.HostPolicy.DEFAULTS.withConnectsPerSecond(connectsPerSecond));
      if (oauthRefreshUrl != null) {
        daemon.tokenRefresher(new io.imapsync.sync.HttpTokenRefresher(oauthRefreshUrl,
            System.getenv("IMAP_SYNC_OAUTH_REFRESH_TOKEN")));
      }
      daemon.trimStreams(streamRetention);
      daemon.serveResyncRequests();
      for (AccountConfig a : list) {
        daemon.add(a);
      }
      try {
        if (secrets != null) {
          NodeMembership membership = null;
          if (nodeId != null) {
            try {
              membership = new NodeMembership(daemon.redisConnector(), prefix, nodeId, nodeWeight, leaseTtl, daemon::stopAll);
              membership.join(leaseTtl.plusSeconds(5));
            } catch (IllegalArgumentException | IllegalStateException e) {
              System.err.println("error: " + e.getMessage());
              if (membership != null) {
                membership.close();
              }
              return 2;
            }
          }
          try (RegistryFollower follower = new RegistryFollower(daemon, secrets,
              membership == null ? RegistryFollower.DEFAULT_POLL : RegistryFollower.FLEET_POLL,
              membership == null ? AccountGate.ALL : membership)) {
            follower.firstRead().thenRun(daemon::startupComplete);
            stop.await();
            if (membership != null) {
              // Leave the fleet cleanly: accounts stopped and released, then the lease given up,
              // so their next owners start now instead of after the lease TTL.
              membership.leaving();
              if (!follower.stopAll(stopGrace)) {
                System.err.println("warning: not every account was released within " + stopGrace
                    + "; the others move once this node's lease expires");
              }
            }
          } finally {
            if (membership != null) {
              membership.close();
            }
          }
        } else {
          daemon.startupComplete();
          stop.await();
        }
      } finally {
        if (adminServer != null) {
          adminServer.close();
        }
      }
    } finally {
      finished.countDown();
    }
    return 0;
  }
}
