package io.imapsync.imap.session;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Finds the connections of one event loop that received nothing for their silence timeout: one
 * periodic sweep per loop over an intrusive list of its session handlers. A timer handler per
 * connection (Netty's IdleStateHandler) cost about 260 bytes of heap per idle mailbox (handler,
 * pipeline context, scheduled task); this costs two references and a timestamp. Detection comes
 * within a tenth of the timeout (at most 5 s) after it passed.
 *
 * <p>Used only from its event loop's thread, so nothing here is synchronized.
 */
final class SilenceWatch {
  private static final FastThreadLocal<SilenceWatch> PER_LOOP = new FastThreadLocal<>();
  private static final long MIN_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  private static final long MAX_PERIOD_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final EventLoop loop;
  private ImapSessionHandler head;
  private long periodNanos = Long.MAX_VALUE;
  private ScheduledFuture<?> sweep;

  private SilenceWatch(EventLoop loop) {
    this.loop = loop;
  }

  /** The watch of {@code loop}; call on that loop's thread. */
  static SilenceWatch of(EventLoop loop) {
    SilenceWatch w = PER_LOOP.get();
    if (w == null) {
      w = new SilenceWatch(loop);
      PER_LOOP.set(w);
    }
    return w;
  }

  void add(ImapSessionHandler h) {
    h.silenceNext = head;
    h.silencePrev = null;
    if (head != null) {
      head.silencePrev = h;
    }
    head = h;
    long period = Math.clamp(h.silenceNanos / 10, MIN_PERIOD_NANOS, MAX_PERIOD_NANOS);
    if (period < periodNanos) {
      periodNanos = period;
      if (sweep != null) {
        sweep.cancel(false);
      }
      sweep = loop.scheduleAtFixedRate(this::sweep, period, period, TimeUnit.NANOSECONDS);
    }
  }

  void remove(ImapSessionHandler h) {
    if (h.silencePrev != null) {
      h.silencePrev.silenceNext = h.silenceNext;
    } else if (head == h) {
      head = h.silenceNext;
    } else {
      return; // not linked
    }
    if (h.silenceNext != null) {
      h.silenceNext.silencePrev = h.silencePrev;
    }
    h.silenceNext = null;
    h.silencePrev = null;
    if (head == null && sweep != null) {
      sweep.cancel(false);
      sweep = null;
      periodNanos = Long.MAX_VALUE;
    }
  }

  private void sweep() {
    long now = System.nanoTime();
    ImapSessionHandler h = head;
    while (h != null) {
      ImapSessionHandler next = h.silenceNext; // the check may close the channel and unlink h
      h.checkSilence(now);
      h = next;
    }
  }
}
