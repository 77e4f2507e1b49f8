package io.imapsync.loadsim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imapsync.it.support.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The population and the schedule are functions of the configuration: the same seed gives the
 * same mailboxes, and processes that split the users make together exactly the changes one
 * process makes. The schedule here lies in the past, so it is applied at once (catch-up) and no
 * test waits for the clock.
 */
@Tag("integration")
@Timeout(60)
class ScheduleIntegrationTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private static LoadSimConfig.Builder base(long startAt, LoadSimConfig.Arrivals arrivals) {
    return LoadSimConfig.builder().mailboxes(30).port(0).ioThreads(1).seed(7).startAtMillis(startAt)
        .deliveryRate(100).flagRate(100).expungeRate(10).arrivals(arrivals).scheduleDuration(Duration.ofSeconds(3));
  }

  /** What a change is, without the instant it was made. */
  private static String key(Change c) {
    String extra = c instanceof Change.FlagsChanged f ? f.flags().toString() : "";
    return c.getClass().getSimpleName() + " " + c.user() + " " + c.folder() + " " + c.uid() + " " + c.modSeq() + " "
        + extra + " " + c.origin();
  }

  @ParameterizedTest
  @EnumSource(LoadSimConfig.Arrivals.class)
  void twoProcessesTogetherMakeExactlyTheChangesOfOne(LoadSimConfig.Arrivals arrivals) throws Exception {
    long startAt = System.currentTimeMillis() - 60_000;
    Queue<Change> one = new ConcurrentLinkedQueue<>();
    Queue<Change> split = new ConcurrentLinkedQueue<>();
    try (LoadSimulator single = LoadSimulator.start(base(startAt, arrivals).listener(one::add).build());
         LoadSimulator p0 = LoadSimulator.start(base(startAt, arrivals).process(0, 2).listener(split::add).build());
         LoadSimulator p1 = LoadSimulator.start(base(startAt, arrivals).process(1, 2).listener(split::add).build())) {
      Await.until("the single process applies its whole schedule", WAIT, single::scheduleFinished);
      long expected = single.stats().scheduledEvents();
      if (arrivals == LoadSimConfig.Arrivals.UNIFORM) {
        assertEquals(300 + 300 + 30, expected); // 3 s at 100/s, 100/s and 10/s
      }
      Await.until("the two processes apply theirs", WAIT, () -> p0.scheduleFinished() && p1.scheduleFinished());
      assertEquals(expected, p0.stats().scheduledEvents() + p1.stats().scheduledEvents());
      List<String> a = new ArrayList<>(one.stream().map(ScheduleIntegrationTest::key).sorted().toList());
      List<String> b = new ArrayList<>(split.stream().map(ScheduleIntegrationTest::key).sorted().toList());
      assertFalse(a.isEmpty());
      assertEquals(a, b);
      assertTrue(one.stream().allMatch(c -> c.origin() == Change.Origin.SCHEDULE));
      // The state agrees too, user by user, in the process that owns the user.
      for (int u = 1; u <= 30; u++) {
        String user = single.userName(u);
        LoadSimulator owner = p0.owns(user) ? p0 : p1;
        for (String folder : single.folders()) {
          assertEquals(single.status(user, folder), owner.status(user, folder), user + " " + folder);
          assertArrayEquals(single.uids(user, folder), owner.uids(user, folder));
        }
      }
    }
  }

  @Test
  void theSameSeedGivesTheSameMailboxesAndAnotherSeedOthers() throws Exception {
    long startAt = System.currentTimeMillis();
    LoadSimConfig.Builder b = LoadSimConfig.builder().mailboxes(5).port(0).ioThreads(1).startAtMillis(startAt);
    try (LoadSimulator x = LoadSimulator.start(b.seed(3).build());
         LoadSimulator y = LoadSimulator.start(b.seed(3).build());
         LoadSimulator z = LoadSimulator.start(b.seed(4).build())) {
      for (String folder : x.folders()) {
        assertEquals(x.status("user00002", folder), y.status("user00002", folder));
        assertArrayEquals(x.messageBytes("user00002", folder, 1).orElseThrow(),
            y.messageBytes("user00002", folder, 1).orElseThrow());
      }
      assertFalse(java.util.Arrays.equals(x.messageBytes("user00002", "INBOX", 1).orElseThrow(),
          z.messageBytes("user00002", "INBOX", 1).orElseThrow()));
    }
  }

  @Test
  void generatedMessagesAreOfRealisticSize() throws Exception {
    try (LoadSimulator sim = LoadSimulator.start(LoadSimConfig.builder().mailboxes(20).port(0).ioThreads(1).build())) {
      long total = 0;
      int n = 0;
      int replies = 0;
      for (int u = 1; u <= 20; u++) {
        for (long uid : sim.uids(sim.userName(u), "INBOX")) {
          byte[] m = sim.messageBytes(sim.userName(u), "INBOX", uid).orElseThrow();
          assertTrue(m.length >= 1_500 && m.length <= 5_000, "size " + m.length);
          total += m.length;
          n++;
          if (new String(m, java.nio.charset.StandardCharsets.US_ASCII).contains("\r\nIn-Reply-To: ")) {
            replies++;
          }
        }
      }
      long mean = total / n;
      assertTrue(mean >= 2_000 && mean <= 4_000, "mean size " + mean);
      assertTrue(replies > n / 5 && replies < n * 3 / 5, replies + " replies of " + n);
    }
  }
}
