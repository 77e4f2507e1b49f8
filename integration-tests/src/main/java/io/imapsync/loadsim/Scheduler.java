package io.imapsync.loadsim;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The scripted load: deliveries, flag changes and expunges at the configured rates, each a
 * stream of events numbered 0, 1, 2, ... whose time, user, folder and message choice are pure
 * functions of (seed, stream, event number, mailbox count, rate, start time). Every process of a
 * multi-process run walks the same global schedule and applies only the events of the users it
 * owns, so k processes together make exactly the changes one process would.
 *
 * <p>Event j of a stream is due at start + j/rate (uniform arrivals) or after seeded exponential
 * gaps (Poisson arrivals). Its user is uniform over the population; its folder is INBOX eight
 * times in ten, else one of the others; a flag change toggles \Seen or \Flagged of a message, an
 * expunge removes one, chosen among the folder's live messages. Events already due when the
 * process starts are applied at once (catch-up), stamped with the time they were applied.
 *
 * <p>One platform thread sleeps until the next event is due; at a few thousand events per second
 * it is mostly parked.
 */
final class Scheduler implements AutoCloseable {
  enum Kind { DELIVERY, FLAGS, EXPUNGE }

  private final Population population;
  private final MailStore store;
  private final LoadSimConfig.Arrivals arrivals;
  private final long startMicros;
  private final long endMicros;
  private final Stream[] streams;
  private final Thread thread;
  private volatile boolean closed;
  /** Set once every event of a finite schedule has been applied. */
  private volatile boolean finished;
  final LongAdder applied = new LongAdder();
  final LongAdder skippedNotOwned = new LongAdder();
  /** The most an event was applied after it was due (microseconds), catch-up excluded. */
  final AtomicLong maxLagMicros = new AtomicLong();

  private static final class Stream {
    final Kind kind;
    final double rate;
    long index;
    long dueMicros;

    Stream(Kind kind, double rate) {
      this.kind = kind;
      this.rate = rate;
    }
  }

  Scheduler(LoadSimConfig config, Population population, MailStore store) {
    this.population = population;
    this.store = store;
    this.arrivals = config.arrivals();
    this.startMicros = population.startAtMillis * 1000;
    this.endMicros = config.scheduleDuration() == null ? Long.MAX_VALUE
        : startMicros + config.scheduleDuration().toNanos() / 1000;
    this.streams = new Stream[] {
        new Stream(Kind.DELIVERY, config.deliveryRate()),
        new Stream(Kind.FLAGS, config.flagRate()),
        new Stream(Kind.EXPUNGE, config.expungeRate())};
    for (Stream s : streams) {
      s.dueMicros = s.rate > 0 ? startMicros + gapMicros(s, 0) : Long.MAX_VALUE;
    }
    this.thread = Thread.ofPlatform().name("loadsim-schedule").daemon().unstarted(this::run);
  }

  boolean active() {
    for (Stream s : streams) {
      if (s.rate > 0) {
        return true;
      }
    }
    return false;
  }

  void start() {
    if (active()) {
      thread.start();
    } else {
      finished = true;
    }
  }

  /** True when a finite schedule has been applied in full (or there is none). */
  boolean finished() {
    return finished;
  }

  private void run() {
    long processStart = Stamps.nowMicros();
    while (!closed) {
      Stream next = null;
      for (Stream s : streams) {
        if (s.dueMicros <= endMicros && (next == null || s.dueMicros < next.dueMicros)) {
          next = s;
        }
      }
      if (next == null) {
        finished = true; // the schedule is over
        return;
      }
      long wait = next.dueMicros - Stamps.nowMicros();
      if (wait > 0) {
        // In slices, so close() is noticed within 100 ms even without an unpark.
        LockSupport.parkNanos(Math.min(wait, 100_000) * 1000);
        continue;
      }
      if (next.dueMicros >= processStart) {
        long lag = -wait;
        maxLagMicros.accumulateAndGet(lag, Math::max);
      }
      apply(next.kind, next.index);
      next.index++;
      next.dueMicros += gapMicros(next, next.index);
    }
  }

  /** The time from event {@code j-1} (or the start, for j = 0) to event {@code j}. */
  private long gapMicros(Stream s, long j) {
    double mean = 1_000_000.0 / s.rate;
    if (arrivals == LoadSimConfig.Arrivals.UNIFORM) {
      // Exact positions (j * mean), so rounding does not drift over millions of events.
      return (long) ((j + 1) * mean) - (long) (j * mean);
    }
    double u = (population.hash(s.kind.ordinal(), j, 0, 21) >>> 11) * 0x1.0p-53;
    return Math.max(0, (long) (-Math.log1p(-u) * mean));
  }

  /** The user event {@code j} of stream {@code kind} targets (1-based). */
  int userOf(Kind kind, long j) {
    return 1 + (int) Long.remainderUnsigned(population.hash(kind.ordinal(), j, 1, 22), population.mailboxes);
  }

  int folderOf(Kind kind, long j) {
    int folders = population.folderCount();
    long h = population.hash(kind.ordinal(), j, 2, 23);
    if (folders == 1 || Long.remainderUnsigned(h, 10) < 8) {
      return Population.INBOX;
    }
    return 1 + (int) Long.remainderUnsigned(h >>> 8, folders - 1);
  }

  private void apply(Kind kind, long j) {
    int user = userOf(kind, j);
    if (!population.owns(user)) {
      skippedNotOwned.increment();
      return;
    }
    int folder = folderOf(kind, j);
    long pick = population.hash(kind.ordinal(), j, 3, 24);
    switch (kind) {
      case DELIVERY -> store.deliver(user, folder, Change.Origin.SCHEDULE);
      case FLAGS -> store.toggleSomeFlag(user, folder, pick);
      case EXPUNGE -> store.expungeSome(user, folder, pick);
    }
    applied.increment();
  }

  @Override
  public void close() {
    closed = true;
    LockSupport.unpark(thread);
    if (thread.isAlive()) {
      try {
        thread.join(5_000); // so no change lands after the event loops are gone
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
