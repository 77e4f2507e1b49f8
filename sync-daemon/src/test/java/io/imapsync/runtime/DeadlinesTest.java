package io.imapsync.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Deadlines on our event loops: they expire on the loop, and never touch a future done in time. */
class DeadlinesTest {
  private final MultiThreadIoEventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final EventLoop loop = (EventLoop) loops.next();

  @AfterEach
  void stop() {
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  @Test
  void aFutureNotDoneInTimeFailsWithATimeoutOnTheLoop() throws Exception {
    CompletableFuture<String> never = new CompletableFuture<>();
    long start = System.nanoTime();
    // Observed before the deadline is armed: attached later, on a slow start it could run on this
    // thread because the deadline had already passed (seen once in a fresh-clone run).
    CompletableFuture<Boolean> onLoop = never.handle((v, e) -> loop.inEventLoop());
    Deadlines.orTimeout(never, 50, TimeUnit.MILLISECONDS, loop);
    ExecutionException e = assertThrows(ExecutionException.class, () -> never.get(5, TimeUnit.SECONDS));
    assertInstanceOf(TimeoutException.class, e.getCause());
    assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(50), "not before the deadline");
    assertTrue(onLoop.get(5, TimeUnit.SECONDS), "expired on the loop");
  }

  @Test
  void aFutureDoneInTimeKeepsItsValueAndItsTimerIsCancelled() throws Exception {
    CompletableFuture<String> quick = new CompletableFuture<>();
    Deadlines.orTimeout(quick, 100, TimeUnit.MILLISECONDS, loop);
    quick.complete("answer");
    // A later task on the same loop has run after the deadline would have: nothing changed.
    CompletableFuture<Void> after = new CompletableFuture<>();
    loop.schedule(() -> after.complete(null), 200, TimeUnit.MILLISECONDS);
    after.get(5, TimeUnit.SECONDS);
    assertEquals("answer", quick.get());
  }

  @Test
  void completeOnTimeoutGivesTheFallbackValue() throws Exception {
    CompletableFuture<String> never = new CompletableFuture<>();
    assertEquals("fallback", Deadlines.completeOnTimeout(never, "fallback", 20, TimeUnit.MILLISECONDS, loop)
        .get(5, TimeUnit.SECONDS));
  }

  @Test
  void aLoopThatIsShutDownStillGivesADeadline() throws Exception {
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    CompletableFuture<String> never = new CompletableFuture<>();
    Deadlines.orTimeout(never, 20, TimeUnit.MILLISECONDS, loop);
    ExecutionException e = assertThrows(ExecutionException.class, () -> never.get(5, TimeUnit.SECONDS));
    assertInstanceOf(TimeoutException.class, e.getCause());
  }
}
