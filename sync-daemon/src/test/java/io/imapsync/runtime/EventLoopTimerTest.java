package io.imapsync.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.Timeout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Lettuce's timer on our event loops: fires once on a loop, a cancelled one never fires. */
class EventLoopTimerTest {
  private final MultiThreadIoEventLoopGroup loops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  private final EventLoopTimer timer = new EventLoopTimer(loops);

  @AfterEach
  void stop() {
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  @Test
  void runsTheTaskOnAnEventLoopWithItsTimeoutAfterTheDelay() throws Exception {
    CompletableFuture<Timeout> ran = new CompletableFuture<>();
    AtomicBoolean onLoop = new AtomicBoolean();
    long start = System.nanoTime();
    Timeout t = timer.newTimeout(timeout -> {
      onLoop.set(loops.next().inEventLoop() || loops.next().inEventLoop());
      ran.complete(timeout);
    }, 50, TimeUnit.MILLISECONDS);
    assertSame(t, ran.get(5, TimeUnit.SECONDS), "the task gets its own timeout");
    assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(50), "not before its delay");
    assertTrue(onLoop.get(), "it runs on one of our event loops");
    assertTrue(t.isExpired());
    assertFalse(t.isCancelled());
    assertFalse(t.cancel(), "an expired timeout cannot be cancelled");
    assertSame(timer, t.timer());
  }

  @Test
  void aCancelledTimeoutNeverRuns() throws Exception {
    AtomicBoolean ran = new AtomicBoolean();
    Timeout cancelled = timer.newTimeout(timeout -> ran.set(true), 100, TimeUnit.MILLISECONDS);
    assertTrue(cancelled.cancel());
    assertTrue(cancelled.isCancelled());
    // A later timeout on the same loops has run, so the cancelled one's deadline has passed too.
    CountDownLatch later = new CountDownLatch(1);
    timer.newTimeout(timeout -> later.countDown(), 200, TimeUnit.MILLISECONDS);
    assertTrue(later.await(5, TimeUnit.SECONDS));
    assertFalse(ran.get(), "the cancelled task ran");
    assertFalse(cancelled.isExpired());
  }

  @Test
  void onceTheLoopsShutDownItRefusesNewTimeoutsAsAStoppedWheelTimerDoes() {
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    // Lettuce fails the command (or the reconnect) at once; a timeout that never fires would hang it.
    assertThrows(IllegalStateException.class, () -> timer.newTimeout(timeout -> { }, 10, TimeUnit.MILLISECONDS));
  }

  @Test
  void fromAnEventLoopItSchedulesOnThatLoop() throws Exception {
    var loop = loops.next();
    CompletableFuture<Boolean> sameLoop = new CompletableFuture<>();
    loop.execute(() -> timer.newTimeout(t -> sameLoop.complete(loop.inEventLoop()), 1, TimeUnit.MILLISECONDS));
    assertTrue(sameLoop.get(5, TimeUnit.SECONDS), "no hand-over to another loop");
  }
}
