package io.imapsync.consumer;

import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Wake-ups for a reader of several streams: every feed write publishes its partition's wake
 * channel ({@code P:{pN}:wake}) after appending, so a reader that found nothing can sleep until
 * one arrives instead of polling. A hint only: a lost message costs latency (the reader still polls
 * at a slow interval), never an entry.
 */
public final class StreamWakeups implements AutoCloseable {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final StatefulRedisPubSubConnection<String, String> connection;
  private final List<String> channels;
  private final RedisPubSubAdapter<String, String> listener;
  private long count;

  private StreamWakeups(StatefulRedisPubSubConnection<String, String> connection, List<String> channels) {
    this.connection = connection;
    this.channels = List.copyOf(channels);
    this.listener = connection == null ? null : new RedisPubSubAdapter<>() {
      @Override
      public void message(String channel, String message) {
        if (StreamWakeups.this.channels.contains(channel)) {
          signal();
        }
      }
    };
  }

  /** Subscribes {@code connection} to {@code channels}; {@link #close} unsubscribes (the connection stays open). */
  public static StreamWakeups subscribe(StatefulRedisPubSubConnection<String, String> connection, List<String> channels) {
    StreamWakeups w = new StreamWakeups(connection, channels);
    connection.addListener(w.listener);
    connection.sync().subscribe(channels.toArray(String[]::new));
    return w;
  }

  /** No channel: waits always run to their timeout. */
  public static StreamWakeups none() {
    return new StreamWakeups(null, List.of());
  }

  public boolean isSubscribed() {
    return connection != null;
  }

  /** Wake-ups heard so far; pass it to {@link #awaitAfter} to not miss one that comes in between. */
  public long count() {
    lock.lock();
    try {
      return count;
    } finally {
      lock.unlock();
    }
  }

  /** Waits until a wake-up after {@code seen} arrived or {@code nanos} passed; true if one did. */
  public boolean awaitAfter(long seen, long nanos) throws InterruptedException {
    lock.lock();
    try {
      long left = nanos;
      while (count == seen && left > 0) {
        left = changed.awaitNanos(left);
      }
      return count != seen;
    } finally {
      lock.unlock();
    }
  }

  void signal() {
    lock.lock();
    try {
      count++;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    if (connection == null) {
      return;
    }
    connection.removeListener(listener);
    if (connection.isOpen()) {
      try {
        connection.sync().unsubscribe(channels.toArray(String[]::new));
      } catch (RuntimeException e) {
        // the connection is going away anyway
      }
    }
  }
}
