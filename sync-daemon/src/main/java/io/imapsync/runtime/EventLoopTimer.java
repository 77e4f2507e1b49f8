package io.imapsync.runtime;

import io.netty.util.Timeout;
import io.netty.util.Timer;
import io.netty.util.TimerTask;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lettuce's timer (command expiry, handshake and reconnect delays) on our event loops. Its default,
 * a HashedWheelTimer, is a thread of its own that wakes ten times a second whether or not anything
 * is due: the largest share of an idle daemon's CPU after the JVM's own. An event loop sleeps
 * until its next deadline. Pending timeouts die with the group, which Lettuce does not own, so
 * {@link #stop()} has nothing to cancel; once the group shuts down it refuses new ones, as a
 * stopped HashedWheelTimer does.
 */
final class EventLoopTimer implements Timer {
  private static final Logger log = LoggerFactory.getLogger(EventLoopTimer.class);

  private final EventExecutorGroup loops;

  EventLoopTimer(EventExecutorGroup loops) {
    this.loops = loops;
  }

  @Override
  public Timeout newTimeout(TimerTask task, long delay, TimeUnit unit) {
    // Once the loops stop, refuse as a stopped HashedWheelTimer does: Lettuce then fails the
    // command or the reconnect at once. A timeout accepted by a loop that is going away would
    // never fire, and a command waiting on it would hang.
    if (loops.isShuttingDown()) {
      throw new IllegalStateException("the event loops are shutting down: no new timeouts");
    }
    ScheduledTimeout timeout = new ScheduledTimeout(this, task);
    try {
      timeout.future = executor().schedule(timeout, delay, unit);
    } catch (RejectedExecutionException e) {
      throw new IllegalStateException("the event loops are shutting down: no new timeouts", e);
    }
    return timeout;
  }

  /** The calling event loop when there is one (no hand-over), else the next. */
  private EventExecutor executor() {
    for (EventExecutor e : loops) {
      if (e.inEventLoop()) {
        return e;
      }
    }
    return loops.next();
  }

  @Override
  public Set<Timeout> stop() {
    return Set.of();
  }

  private static final class ScheduledTimeout implements Timeout, Runnable {
    private static final int PENDING = 0;
    private static final int EXPIRED = 1;
    private static final int CANCELLED = 2;

    private final Timer timer;
    private final TimerTask task;
    private final AtomicInteger state = new AtomicInteger(PENDING);
    private volatile ScheduledFuture<?> future;

    ScheduledTimeout(Timer timer, TimerTask task) {
      this.timer = timer;
      this.task = task;
    }

    @Override
    public void run() {
      if (state.compareAndSet(PENDING, EXPIRED)) {
        try {
          task.run(this);
        } catch (Throwable t) {
          log.warn("a Redis client timer task failed: {}", t.toString());
        }
      }
    }

    @Override
    public Timer timer() {
      return timer;
    }

    @Override
    public TimerTask task() {
      return task;
    }

    @Override
    public boolean isExpired() {
      return state.get() == EXPIRED;
    }

    @Override
    public boolean isCancelled() {
      return state.get() == CANCELLED;
    }

    @Override
    public boolean cancel() {
      if (!state.compareAndSet(PENDING, CANCELLED)) {
        return false;
      }
      ScheduledFuture<?> f = future;
      if (f != null) {
        f.cancel(false);
      }
      return true;
    }
  }
}
