package io.imapsync.runtime;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link CompletableFuture#orTimeout} and {@link CompletableFuture#completeOnTimeout} with the
 * deadline kept on one of our event loops. The JDK's versions start a scheduler thread of their
 * own the first time they are used; the daemon's timers belong on its loops, where they cost no
 * thread and stop with them. A loop that is shutting down refuses the deadline; then the JDK's
 * own is used, so the caller still gets one.
 */
public final class Deadlines {
  private Deadlines() {}

  /** {@code future}, or a {@link TimeoutException} if it is not done within the time. */
  public static <T> CompletableFuture<T> orTimeout(CompletableFuture<T> future, long amount, TimeUnit unit,
      ScheduledExecutorService loop) {
    return within(future, amount, unit, loop, () -> future.completeExceptionally(new TimeoutException()),
        () -> future.orTimeout(amount, unit));
  }

  /** {@code future}, or completed with {@code value} if it is not done within the time. */
  public static <T> CompletableFuture<T> completeOnTimeout(CompletableFuture<T> future, T value, long amount,
      TimeUnit unit, ScheduledExecutorService loop) {
    return within(future, amount, unit, loop, () -> future.complete(value),
        () -> future.completeOnTimeout(value, amount, unit));
  }

  private static <T> CompletableFuture<T> within(CompletableFuture<T> future, long amount, TimeUnit unit,
      ScheduledExecutorService loop, Runnable expire, Runnable fallback) {
    if (future.isDone()) {
      return future;
    }
    ScheduledFuture<?> timer;
    try {
      timer = loop.schedule(expire, amount, unit);
    } catch (RejectedExecutionException e) {
      fallback.run();
      return future;
    }
    // Cancelled as soon as the future is done: a long deadline does not keep its task queued.
    future.whenComplete((v, e) -> timer.cancel(false));
    return future;
  }
}
