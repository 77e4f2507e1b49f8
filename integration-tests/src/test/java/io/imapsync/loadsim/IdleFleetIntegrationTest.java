package io.imapsync.loadsim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imapsync.consumer.FeedEntry;
import io.imapsync.consumer.StreamTail;
import io.imapsync.daemon.SyncDaemon;
import io.imapsync.imap.session.ImapEndpoint;
import io.imapsync.imap.session.Security;
import io.imapsync.it.support.Await;
import io.imapsync.it.support.RedisFixture;
import io.imapsync.publish.KeyLayout;
import io.imapsync.runtime.SharedResources;
import io.imapsync.sync.AccountConfig;
import io.imapsync.sync.AccountSync;
import io.imapsync.sync.HostPolicy;
import io.imapsync.sync.SyncListener;
import io.imapsync.sync.WatcherState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The reduced-size fleet run: 2,000 accounts of four folders each (INBOX, Sent, Archive, Trash)
 * in one daemon against the load simulator, each with the default budget of two connections.
 * Every account must reach IDLE, no account may ever hold more than two connections (counted by
 * the simulator, per user, high-water mark), and 200 deliveries spread over random accounts and
 * folders must each reach the feed exactly once. Behaviour, not speed: the latencies are printed,
 * not asserted (benchmarks own the figures).
 */
@Tag("integration")
class IdleFleetIntegrationTest {
  private static final int ACCOUNTS = Integer.getInteger("fleet.accounts", 2_000);
  private static final int DELIVERIES = 200;
  private static final int BUDGET = 2;

  @Test
  void twoThousandAccountsIdleWithinBudgetAndEveryDeliveryArrivesOnce() throws Exception {
    String prefix = RedisFixture.uniquePrefix("fleet");
    KeyLayout layout = new KeyLayout(prefix, 16);
    LoadSimConfig config = LoadSimConfig.builder().mailboxes(ACCOUNTS).port(0).ioThreads(1)
        .inboxMessages(1).otherFolderMessages(0).build();
    try (RedisFixture redis = RedisFixture.start();
         LoadSimulator sim = LoadSimulator.start(config);
         SharedResources resources = SharedResources.create(2, 2);
         var tailConnection = redis.connect();
         SyncDaemon daemon = new SyncDaemon(resources, redis.url(), layout, SyncListener.NONE, Duration.ofMinutes(4))) {
      // The simulator is one "host": allow it a fast connection rate (providers get 20/s by default).
      daemon.hostPolicy(new HostPolicy(2_000, 20, 50f, Duration.ofSeconds(30), Duration.ofMillis(200),
          Duration.ofSeconds(5)));
      List<AccountSync> accounts = new ArrayList<>();
      for (int i = 1; i <= ACCOUNTS; i++) {
        String user = sim.userName(i);
        accounts.add(daemon.add(new AccountConfig(user, ImapEndpoint.of("127.0.0.1", sim.port(), Security.PLAIN_INSECURE),
            user, config.password(), List.of(), Set.of(), 100, null, BUDGET, Duration.ofSeconds(60), true)));
      }
      Await.until("all " + ACCOUNTS + " accounts idle", Duration.ofSeconds(240), () -> {
        long idle = accounts.stream().filter(a -> a.state() == WatcherState.IDLE).count();
        return idle == ACCOUNTS && accounts.stream().allMatch(a -> a.plan() != null);
      });
      assertEquals(ACCOUNTS * BUDGET, sim.idleConnections(), "one IDLE per connection, two per account");
      assertTrue(sim.maxConnectionsPerUser() <= BUDGET, "an account held " + sim.maxConnectionsPerUser()
          + " connections; its budget is " + BUDGET);

      // Deliveries into random accounts' IDLE'd folders.
      StreamTail tail = new StreamTail(tailConnection, layout, true);
      tail.poll(Duration.ofMillis(50)); // skip the initial sync
      while (!tail.poll(Duration.ofMillis(200)).isEmpty()) {
        // drain
      }
      Random random = new Random(7);
      List<String> folders = List.of("INBOX", "Sent", "Archive", "Trash");
      Map<String, Long> sentAt = new HashMap<>();
      for (int i = 0; i < DELIVERIES; i++) {
        String user = sim.userName(1 + random.nextInt(ACCOUNTS));
        // INBOX and Sent are the two IDLE homes; Archive and Trash are polled every 60 s (their
        // pushes are the multi-folder tests' business, with a short interval).
        String folder = folders.get(random.nextInt(2));
        Change.Delivered d = sim.deliver(user, folder);
        sentAt.put(d.messageId(), System.nanoTime());
      }
      Map<String, Integer> arrived = new HashMap<>();
      List<Long> latencies = new ArrayList<>();
      Await.until("every delivery in the feed", Duration.ofSeconds(60), () -> {
        for (FeedEntry e : tail.poll(Duration.ofMillis(100))) {
          if (e.type().equals("message.created")) {
            String mid = "<" + e.event().path("payload").path("message_id").asText() + ">";
            Long t = sentAt.get(mid);
            if (t == null) {
              t = sentAt.get(e.event().path("payload").path("message_id").asText());
              mid = e.event().path("payload").path("message_id").asText();
            }
            if (t != null) {
              if (arrived.merge(mid, 1, Integer::sum) == 1) {
                latencies.add((System.nanoTime() - t) / 1_000);
              }
            }
          }
        }
        return arrived.size() == DELIVERIES;
      });
      assertTrue(arrived.values().stream().allMatch(n -> n == 1), "a delivery announced twice: " + arrived);
      assertTrue(sim.maxConnectionsPerUser() <= BUDGET);
      latencies.sort(null);
      System.out.printf("[fleet] %d accounts idle on %d connections; %d deliveries, push to feed p50 %.1f ms, p99 %.1f ms"
          + " (in-process, behaviour run)%n", ACCOUNTS, sim.idleConnections(), DELIVERIES,
          latencies.get(latencies.size() / 2) / 1000.0, latencies.get((int) (latencies.size() * 0.99)) / 1000.0);
      redis.deleteKeys(prefix);
    }
  }
}
