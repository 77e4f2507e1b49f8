package io.imapsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class HostGuardsTest {
  private final HostPolicy policy = new HostPolicy(5, 4, 50f, Duration.ofSeconds(30),
      Duration.ofMillis(100), Duration.ofSeconds(10));

  @Test
  void connectionsBeyondTheRateAreSpreadOverTime() {
    HostGuards.Guard guard = new HostGuards(policy).forHost("imap.example.com");
    long immediate = 0;
    long latest = 0;
    for (int i = 0; i < 20; i++) {
      long wait = guard.reserveConnect();
      assertTrue(wait >= 0);
      if (wait == 0) {
        immediate++;
      }
      latest = Math.max(latest, wait);
    }
    assertTrue(immediate <= 5, "at most one period's worth at once, got " + immediate);
    // 20 connects at 5/s configured, 4/s effective (90%, rounded down): the last waits about 4.75 s.
    assertTrue(latest >= 3_000 && latest <= 5_100, "last reservation waits " + latest + " ms");
  }

  @Test
  void connectsComingDueTogetherBeginOnlyAsFastAsTheRate() {
    // 2,000/s configured, 1,800/s effective: 18 per 10 ms window, however many timers fire at once.
    HostGuards.Guard guard = new HostGuards(policy.withConnectsPerSecond(2_000)).forHost("busy.example");
    int admitted = 0;
    long wait = 0;
    for (int i = 0; i < 100 && wait == 0; i++) {
      wait = guard.admit();
      if (wait == 0) {
        admitted++;
      }
    }
    assertEquals(18, admitted, "one window's worth begins at once");
    assertTrue(wait >= 1 && wait <= 10, "the next waits for the window, not a new reservation: " + wait + " ms");
  }

  @Test
  void aSlowRateAdmitsOneAtATimeSpacedByItsInterval() {
    HostGuards.Guard guard = new HostGuards(policy).forHost("slow.example"); // 5/s configured, 4/s effective
    assertEquals(0, guard.admit());
    long wait = guard.admit();
    assertTrue(wait > 200 && wait <= 250, "a quarter second between connects: " + wait + " ms");
  }

  @Test
  void hostsAreGuardedSeparatelyAndCaseInsensitively() {
    HostGuards guards = new HostGuards(policy);
    assertSame(guards.forHost("IMAP.example.com"), guards.forHost("imap.example.com"));
    for (int i = 0; i < 5; i++) {
      guards.forHost("a.example").reserveConnect();
    }
    assertEquals(0, guards.forHost("b.example").reserveConnect(), "another host is not slowed down");
  }

  @Test
  void breakerOpensAfterRepeatedFailuresAndRefusesAttempts() {
    HostGuards.Guard guard = new HostGuards(policy).forHost("down.example");
    int attempts = 0;
    while (guard.reserveConnect() >= 0) {
      guard.failed(System.nanoTime(), new RuntimeException("connection refused"));
      attempts++;
      assertTrue(attempts <= 4, "the breaker should open within its window of 4");
    }
    assertTrue(guard.open());
    assertEquals(2, attempts, "opens once the minimum number of calls (half the window) all failed");
    assertEquals(-1, guard.reserveConnect(), "a down provider is not hammered");
  }

  @Test
  void backoffGrowsWithJitterAndIsCapped() {
    HostGuards guards = new HostGuards(policy);
    long first = guards.backoffMillis(1);
    long fifth = guards.backoffMillis(5);
    long many = guards.backoffMillis(40);
    assertTrue(first >= 50 && first <= 150, "first " + first);
    assertTrue(fifth > first, "fifth " + fifth);
    assertTrue(many <= 10_000, "capped, got " + many);
  }
}
