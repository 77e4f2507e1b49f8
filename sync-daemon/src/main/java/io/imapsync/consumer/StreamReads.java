package io.imapsync.consumer;

import io.imapsync.redis.RedisConnection;
import io.lettuce.core.Consumer;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads several streams as one XREAD or XREADGROUP would. On a single Redis that is one command,
 * blocking up to the wait asked for. A Redis Cluster refuses a command naming streams of different
 * slots (each partition has its own), so there every stream is read without blocking, all at once,
 * and when none had anything the reader sleeps until a {@link StreamWakeups wake-up} or the poll
 * interval, whichever comes first, and reads again until the wait is over.
 *
 * <p>Blocking: use it from a thread of its own, with a connection of its own.
 */
public final class StreamReads {
  /** Poll interval on a cluster when wake-ups are heard (a safety net for a lost one). */
  public static final Duration POLL_WITH_WAKEUPS = Duration.ofSeconds(1);
  /** Poll interval on a cluster without wake-ups. */
  public static final Duration POLL_WITHOUT_WAKEUPS = Duration.ofMillis(50);

  private final RedisConnection redis;
  private final StreamWakeups wakeups;
  private final Duration poll;

  public StreamReads(RedisConnection redis, StreamWakeups wakeups, Duration poll) {
    this.redis = redis;
    this.wakeups = wakeups == null ? StreamWakeups.none() : wakeups;
    this.poll = poll != null ? poll : this.wakeups.isSubscribed() ? POLL_WITH_WAKEUPS : POLL_WITHOUT_WAKEUPS;
  }

  /** XREAD of {@code offsets} (stream -> last id seen), at most {@code count} per stream; {@code block} null: no wait. */
  public List<StreamMessage<String, String>> read(Map<String, String> offsets, int count, Duration block) {
    if (!redis.isCluster()) {
      XReadArgs args = XReadArgs.Builder.count(count);
      if (block != null) {
        args.block(block.toMillis());
      }
      return orEmpty(redis.sync().xread(args, offsets(offsets)));
    }
    return untilSomething(block, () -> {
      List<RedisFuture<List<StreamMessage<String, String>>>> pending = new ArrayList<>();
      for (Map.Entry<String, String> e : offsets.entrySet()) {
        pending.add(redis.async().xread(XReadArgs.Builder.count(count),
            XReadArgs.StreamOffset.from(e.getKey(), e.getValue())));
      }
      return collect(pending);
    });
  }

  /** XREADGROUP of {@code streams} from {@code from} ({@code >} for new, an id for own pending ones). */
  public List<StreamMessage<String, String>> readGroup(Consumer<String> consumer, List<String> streams, String from,
      int count, Duration block) {
    if (!redis.isCluster()) {
      XReadArgs args = XReadArgs.Builder.count(count);
      if (block != null) {
        args.block(block.toMillis());
      }
      @SuppressWarnings("unchecked")
      XReadArgs.StreamOffset<String>[] offsets = streams.stream()
          .map(s -> XReadArgs.StreamOffset.from(s, from)).toArray(XReadArgs.StreamOffset[]::new);
      return orEmpty(redis.sync().xreadgroup(consumer, args, offsets));
    }
    return untilSomething(block, () -> {
      List<RedisFuture<List<StreamMessage<String, String>>>> pending = new ArrayList<>();
      for (String s : streams) {
        pending.add(redis.async().xreadgroup(consumer, XReadArgs.Builder.count(count),
            XReadArgs.StreamOffset.from(s, from)));
      }
      return collect(pending);
    });
  }

  private interface Round {
    List<StreamMessage<String, String>> read();
  }

  private List<StreamMessage<String, String>> untilSomething(Duration block, Round round) {
    long deadline = System.nanoTime() + (block == null ? 0 : block.toNanos());
    while (true) {
      long seen = wakeups.count();
      List<StreamMessage<String, String>> got = round.read();
      long left = deadline - System.nanoTime();
      if (!got.isEmpty() || left <= 0) {
        return got;
      }
      try {
        wakeups.awaitAfter(seen, Math.min(left, poll.toNanos()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return got;
      }
    }
  }

  private List<StreamMessage<String, String>> collect(List<RedisFuture<List<StreamMessage<String, String>>>> pending) {
    List<StreamMessage<String, String>> out = new ArrayList<>();
    long timeout = redis.stateful().getTimeout().toNanos();
    for (RedisFuture<List<StreamMessage<String, String>>> f : pending) {
      try {
        out.addAll(orEmpty(f.get(timeout, TimeUnit.NANOSECONDS)));
      } catch (ExecutionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
      } catch (TimeoutException e) {
        throw new io.lettuce.core.RedisCommandTimeoutException("stream read timed out after "
            + redis.stateful().getTimeout());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new io.lettuce.core.RedisCommandInterruptedException(e);
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static XReadArgs.StreamOffset<String>[] offsets(Map<String, String> offsets) {
    return offsets.entrySet().stream().map(e -> XReadArgs.StreamOffset.from(e.getKey(), e.getValue()))
        .toArray(XReadArgs.StreamOffset[]::new);
  }

  private static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }
}
