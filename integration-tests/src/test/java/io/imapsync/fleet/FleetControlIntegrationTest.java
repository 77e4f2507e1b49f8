package io.imapsync.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imapsync.accounts.AccountRecord;
import io.imapsync.accounts.AccountRegistry;
import io.imapsync.accounts.AuthKind;
import io.imapsync.accounts.SecretBox;
import io.imapsync.admin.AdminApi;
import io.imapsync.cli.SyncCtlCommand;
import io.imapsync.coordinator.cluster.AccountHolders;
import io.imapsync.coordinator.cluster.ClusterKeys;
import io.imapsync.coordinator.cluster.Coordinator;
import io.imapsync.coordinator.cluster.CoordinatorOptions;
import io.imapsync.coordinator.cluster.FleetOps;
import io.imapsync.coordinator.cluster.Lease;
import io.imapsync.coordinator.cluster.NodeInfo;
import io.imapsync.imap.session.Security;
import io.imapsync.it.support.Await;
import io.imapsync.it.support.RedisFixture;
import io.imapsync.model.Json;
import io.imapsync.ops.CoordinatorApi;
import io.imapsync.ownership.RegistryAccountSource;
import io.imapsync.publish.KeyLayout;
import io.imapsync.redis.RedisConnection;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The operator's commands against a real Redis and a real coordinator, stepped tick by tick in
 * this JVM (the nodes are their leases and registrations: no IMAP is needed to see where accounts
 * go). What each syncctl command prints, what it changes, that the coordinator obeys it at its
 * move rate, the holder handoff rules, and the admin API's answers.
 */
class FleetControlIntegrationTest {
  private static final int ACCOUNTS = 40;
  private RedisFixture redis;
  private String prefix;
  private KeyLayout layout;
  private ClusterKeys keys;
  private RedisConnection work;
  private Coordinator coordinator;
  private Lease n1;
  private Lease n2;

  @BeforeEach
  void setUp() {
    redis = RedisFixture.start();
    prefix = RedisFixture.uniquePrefix("fleetctl");
    layout = new KeyLayout(prefix, 16);
    keys = new ClusterKeys(prefix);
    SecretBox box = new SecretBox(Map.of("k1", new byte[32]));
    AccountRegistry registry = new AccountRegistry(redis.sync(), layout);
    long now = System.currentTimeMillis();
    for (int i = 0; i < ACCOUNTS; i++) {
      String id = "acct-" + i;
      registry.put(new AccountRecord(id, "imap.example.com", 993, Security.TLS, id, AuthKind.PASSWORD,
          box.seal(id, "pw"), List.of("INBOX"), 2, 0, 0, List.of(), null, false, now, now));
    }
    n1 = node("n1");
    n2 = node("n2");
    work = redis.connect();
    // 5 moves/s fleet-wide: a weight change of many accounts takes several ticks, visibly.
    coordinator = new Coordinator(work.stateful(), work.sync(), keys, new RegistryAccountSource(new AccountRegistry(work.sync(), layout)),
        new CoordinatorOptions("c-test", Duration.ofSeconds(10), Duration.ofMillis(100), 5, 5, 1.05));
    Await.until("first placement", Duration.ofSeconds(10), () -> {
      coordinator.tick();
      return fleet().assignment().owners().size() == ACCOUNTS;
    });
  }

  @AfterEach
  void tearDown() {
    coordinator.close();
    work.close();
    redis.deleteKeys(prefix);
    redis.close();
  }

  private Lease node(String id) {
    redis.sync().hset(keys.nodes(), id, Json.write(new NodeInfo(id, 1, "host", 1, System.currentTimeMillis(), 10_000)));
    Lease lease = new Lease(redis.sync(), keys.lease(id), id + ":token", Duration.ofSeconds(10));
    assertTrue(lease.renew());
    return lease;
  }

  private FleetOps fleet() {
    return new FleetOps(redis.sync(), keys);
  }

  private long on(String node) {
    return fleet().assignment().owners().values().stream().filter(node::equals).count();
  }

  private String syncctl(String... args) {
    PrintStream out = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    int exit;
    try {
      String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args),
          java.util.stream.Stream.of("--redis-url", redis.url(), "--key-prefix", prefix)).toArray(String[]::new);
      exit = new CommandLine(new SyncCtlCommand()).execute(all);
    } finally {
      System.setOut(out);
    }
    String text = buf.toString(StandardCharsets.UTF_8);
    assertEquals(0, exit, String.join(" ", args) + " failed: " + text);
    return text;
  }

  private void settle() {
    Await.until("the coordinator reached its target", Duration.ofSeconds(20), () -> {
      coordinator.tick();
      return coordinator.status().pendingMoves() == 0;
    });
  }

  @Test
  void commandsChangeTheFleetAndTheCoordinatorFollowsAtItsMoveRate() {
    long a = on("n1");
    assertEquals(ACCOUNTS, a + on("n2"));
    assertTrue(Math.abs(a - on("n2")) <= 2, "even split: " + fleet().assignment().counts());

    String nodes = syncctl("nodes");
    assertTrue(nodes.lines().anyMatch(l -> l.startsWith("n1") && l.contains("live")), nodes);
    assertTrue(syncctl("rebalance", "--dry-run").contains("0 move(s) (dry run: nothing changed)"));

    // Weight 3 for n2: about three quarters there, at most 5 moves per tick-second.
    assertTrue(syncctl("weight", "n2", "3").contains("node n2 weight (its own) -> 3.0"));
    coordinator.tick();
    long firstTick = on("n2") - (ACCOUNTS - a);
    assertTrue(firstTick > 0 && firstTick <= 5, "the move rate holds: " + firstTick + " in the first tick");
    settle();
    assertTrue(on("n2") >= 28 && on("n2") <= 31, "n2 carries about 3/4: " + fleet().assignment().counts());

    // Pin one account to n1, then unpin.
    String someOnN2 = fleet().assignment().owners().entrySet().stream().filter(e -> e.getValue().equals("n2"))
        .findFirst().orElseThrow().getKey();
    assertTrue(syncctl("move", someOnN2, "--to", "n1").contains("pinned to n1 (from n2)"));
    settle();
    assertEquals("n1", fleet().assignment().owners().get(someOnN2));
    assertTrue(syncctl("move", someOnN2, "--unpin").contains("placed automatically again"));

    // Drain n1: everything to n2; undrain: it takes accounts again.
    assertTrue(syncctl("drain", "n1").contains("node n1 drains"));
    settle();
    assertEquals(0, on("n1"));
    assertTrue(syncctl("nodes").lines().anyMatch(l -> l.startsWith("n1") && l.contains("draining")));
    syncctl("weight", "n2", "1");
    assertTrue(syncctl("undrain", "n1").contains("takes accounts again"));
    settle();
    assertTrue(on("n1") >= 18, "n1 took its share back: " + fleet().assignment().counts());

    // Pause: the account leaves the assignment; resume: it is placed again.
    assertTrue(syncctl("pause", "acct-3").contains("paused"));
    settle();
    assertFalse(fleet().assignment().owners().containsKey("acct-3"));
    syncctl("resume", "acct-3");
    settle();
    assertTrue(fleet().assignment().owners().containsKey("acct-3"));

    // A dead node can be forgotten; a live one cannot.
    IllegalArgumentException live = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new io.imapsync.ops.FleetControl(redis.sync(), layout, "test").forget("n1"));
    assertTrue(live.getMessage().contains("is live"), live.getMessage());
    node("n3");
    redis.sync().del(keys.lease("n3")); // it died
    assertTrue(syncctl("forget", "n3").contains("node n3 forgotten"));
    assertFalse(syncctl("nodes").contains("n3"));

    // A refused command says why and is recorded too.
    IllegalArgumentException unknown = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new io.imapsync.ops.FleetControl(redis.sync(), layout, "test").drain("n9"));
    assertTrue(unknown.getMessage().contains("unknown node n9"), unknown.getMessage());
    String audit = syncctl("audit");
    for (String command : List.of("weight 3.0", "move --to n1", "move --unpin", "drain", "undrain", "account pause",
        "account resume")) {
      assertTrue(audit.contains(command), command + " recorded: " + audit);
    }
    assertTrue(audit.contains("refused: unknown node n9"), audit);
  }

  @Test
  void anAccountStartsOnlyOnceItsPreviousHolderReleasedItOrDied() {
    String account = "acct-7";
    String owner = fleet().assignment().owners().get(account);
    Lease ownerLease = owner.equals("n1") ? n1 : n2;
    String other = owner.equals("n1") ? "n2" : "n1";
    AccountHolders first = new AccountHolders(redis.sync(), keys, owner, ownerLease);
    assertEquals(AccountHolders.OK, first.acquire(account));
    AccountHolders second = new AccountHolders(redis.sync(), keys, other, other.equals("n1") ? n1 : n2);
    assertEquals(AccountHolders.NOT_ASSIGNED, second.acquire(account), "not its account yet");

    syncctl("move", account, "--to", other);
    settle();
    assertEquals(owner, second.acquire(account), "still held by the old owner, whose lease is live");
    first.release(account);
    assertEquals(AccountHolders.OK, second.acquire(account), "released: the new owner may start");

    // A holder whose lease is gone (crashed) does not block the next owner.
    syncctl("move", account, "--to", owner);
    settle();
    redis.sync().del(keys.lease(other)); // the lease expired
    assertEquals(AccountHolders.OK, first.acquire(account));
    // And a node whose own lease is not held by this process may not take anything.
    Lease impostor = new Lease(redis.sync(), keys.lease(owner), "another-process", Duration.ofSeconds(10));
    assertEquals(AccountHolders.NO_LEASE, new AccountHolders(redis.sync(), keys, owner, impostor).acquire(account));
  }

  @Test
  void adminApiAnswersLikeSyncctl() {
    CoordinatorApi api = new CoordinatorApi(redis.sync(), layout, coordinator, 1.05);
    AdminApi.Answer status = api.handle("GET", "/v1/status", Map.of(), "test");
    assertEquals(200, status.status());
    assertEquals("leader", ((Map<?, ?>) status.body()).get("role"));
    assertEquals(200, api.handle("GET", "/v1/nodes", Map.of(), "test").status());
    AdminApi.Answer drain = api.handle("POST", "/v1/nodes/n2/drain", Map.of(), "10.0.0.9:5555");
    assertEquals(200, drain.status());
    assertTrue(drain.body().toString().contains("node n2 drains"), drain.body().toString());
    AdminApi.Answer dry = api.handle("POST", "/v1/rebalance", Map.of("dry_run", List.of("true")), "test");
    assertTrue(((Map<?, ?>) dry.body()).get("count") instanceof Integer n && n > 0, dry.body().toString());
    assertEquals(400, api.handle("POST", "/v1/nodes/n9/drain", Map.of(), "test").status());
    assertEquals(400, api.handle("POST", "/v1/accounts/acct-1/move", Map.of(), "test").status(), "to= is required");
    assertEquals(404, api.handle("GET", "/v1/nothing", Map.of(), "test").status());
    assertEquals(405, api.handle("DELETE", "/v1/nodes", Map.of(), "test").status());
    assertTrue(syncctl("audit").contains("admin-api 10.0.0.9:5555"), "the API's changes are audited with the caller");
  }
}
