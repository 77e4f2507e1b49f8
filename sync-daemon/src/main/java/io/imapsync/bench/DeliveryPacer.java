package io.imapsync.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Deliveries into random mailboxes' INBOX at a fixed rate, through the simulator's control
 * input; the same seed gives every contender the same sequence of mailboxes.
 */
public final class DeliveryPacer {
  private DeliveryPacer() {}

  /** Starts delivering {@code count} messages, {@code 1/rate} apart; join the thread to wait for the last. */
  public static Thread start(LoadSimProcess sim, int mailboxes, double rate, int count, long seed) {
    Random random = new Random(seed);
    return Thread.ofPlatform().name("bench-deliveries").start(() -> {
      long gap = (long) (1e9 / rate);
      long next = System.nanoTime();
      try {
        for (int i = 0; i < count; i++) {
          sim.send("deliver " + user(1 + random.nextInt(mailboxes)) + " INBOX");
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

  /** The simulator's user name for mailbox {@code index} (1-based). */
  public static String user(int index) {
    return String.format("user%05d", index);
  }
}
