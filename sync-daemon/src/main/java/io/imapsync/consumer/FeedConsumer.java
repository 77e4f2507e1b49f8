package io.imapsync.consumer;

import com.fasterxml.jackson.databind.JsonNode;
import io.imapsync.model.Json;
import io.imapsync.publish.KeyLayout;
import io.lettuce.core.Consumer;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAutoClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.imapsync.redis.RedisConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.models.stream.ClaimedMessages;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads the change feed reliably, for inbox app backends: joins a consumer group on every
 * partition stream, reads new entries, reclaims entries that a dead consumer of the group left
 * unacknowledged (XAUTOCLAIM), and drops repeats by event id. Delivery is at least once: an entry
 * is delivered again until it is {@link #ack acknowledged}.
 *
 * <p>Blocking (it waits in XREADGROUP): run it on a thread of your own, with a connection of its own.
 * On a Redis Cluster (build it from a {@link StatefulRedisClusterConnection}), also give it a pub/sub
 * connection with {@link Builder#wakeUps}: each partition is read on its own there, and the wake-up
 * channels say when to read again (without them it polls every 50 ms).
 *
 * <pre>{@code
 * FeedConsumer feed = FeedConsumer.builder(connection, KeyLayout.defaults())
 *     .group("api").consumer("api-1").build();
 * while (running) {
 *   for (FeedEntry e : feed.poll(Duration.ofSeconds(5))) {
 *     handle(e.event());
 *     feed.ack(e);
 *   }
 * }
 * }</pre>
 */
public final class FeedConsumer implements AutoCloseable {
  /** Entries idle this long in another consumer's pending list are taken over. */
  public static final Duration DEFAULT_CLAIM_AFTER = Duration.ofSeconds(60);
  public static final int DEFAULT_BATCH = 200;
  /** How many recent event ids are remembered to drop repeats. */
  public static final int DEFAULT_DEDUPE_WINDOW = 100_000;

  private final RedisClusterCommands<String, String> redis;
  private final StreamReads reads;
  private final StreamWakeups wakeups;
  private final List<String> streams;
  private final String group;
  private final Consumer<String> consumer;
  private final Duration claimAfter;
  private final int batch;
  private final RecentIds recent;
  private final Map<String, String> claimCursor = new LinkedHashMap<>();
  private boolean ownPendingDrained;
  private long nextClaimAtNanos;

  private FeedConsumer(Builder b) {
    this.redis = b.connection.sync();
    this.group = b.group;
    this.consumer = Consumer.from(b.group, b.consumer);
    this.claimAfter = b.claimAfter;
    this.batch = b.batch;
    this.recent = new RecentIds(b.dedupeWindow);
    this.streams = new ArrayList<>();
    List<String> channels = new ArrayList<>();
    for (int p : b.partitions == null ? allPartitions(b.layout) : b.partitions) {
      streams.add(b.layout.stream(p));
      channels.add(b.layout.wakeChannel(p));
    }
    this.wakeups = b.wakeUps == null || !b.connection.isCluster() ? StreamWakeups.none()
        : StreamWakeups.subscribe(b.wakeUps, channels);
    this.reads = new StreamReads(b.connection, wakeups, null);
    for (String s : streams) {
      try {
        redis.xgroupCreate(XReadArgs.StreamOffset.from(s, b.startFromBeginning ? "0-0" : "$"), group,
            XGroupCreateArgs.Builder.mkstream());
      } catch (RedisBusyException alreadyExists) {
        // BUSYGROUP: the group is there; keep its position
      }
      claimCursor.put(s, "0-0");
    }
  }

  public static Builder builder(StatefulRedisConnection<String, String> connection, KeyLayout layout) {
    return new Builder(RedisConnection.of(connection), layout);
  }

  /** For a Redis Cluster; add {@link Builder#wakeUps} for prompt delivery. */
  public static Builder builder(StatefulRedisClusterConnection<String, String> connection, KeyLayout layout) {
    return new Builder(RedisConnection.of(connection), layout);
  }

  public static Builder builder(RedisConnection connection, KeyLayout layout) {
    return new Builder(connection, layout);
  }

  /**
   * Returns the next entries, waiting up to {@code block} when there are none: first this
   * consumer's own unacknowledged entries (after a restart), then entries reclaimed from dead
   * consumers, then new ones. Repeats of an event id already delivered are acknowledged and skipped.
   */
  public List<FeedEntry> poll(Duration block) {
    List<FeedEntry> out = new ArrayList<>();
    if (!ownPendingDrained) {
      List<StreamMessage<String, String>> mine = readGroup("0-0", null);
      if (mine.isEmpty()) {
        ownPendingDrained = true;
      } else {
        return accept(mine, out);
      }
    }
    if (System.nanoTime() >= nextClaimAtNanos) {
      nextClaimAtNanos = System.nanoTime() + claimAfter.toNanos() / 2;
      for (String s : streams) {
        ClaimedMessages<String, String> claimed = redis.xautoclaim(s,
            XAutoClaimArgs.Builder.xautoclaim(consumer, claimAfter, claimCursor.get(s)).count(batch));
        claimCursor.put(s, claimed.getId());
        accept(claimed.getMessages(), out);
      }
      if (!out.isEmpty()) {
        return out;
      }
    }
    return accept(readGroup(">", block), out);
  }

  private List<StreamMessage<String, String>> readGroup(String from, Duration block) {
    return reads.readGroup(consumer, streams, from, batch, block);
  }

  private List<FeedEntry> accept(List<StreamMessage<String, String>> messages, List<FeedEntry> out) {
    for (StreamMessage<String, String> m : messages) {
      Map<String, String> body = m.getBody();
      if (body == null || body.isEmpty()) {
        continue; // trimmed while pending: nothing to deliver
      }
      FeedEntry e = new FeedEntry(m.getStream(), m.getId(), body.get("id"), body.get("type"),
          body.get("account"), Json.read(body.get("event"), JsonNode.class));
      if (!recent.add(e.eventId())) {
        redis.xack(m.getStream(), group, m.getId()); // same change written twice: drop the copy
        continue;
      }
      out.add(e);
    }
    return out;
  }

  /** Acknowledges an entry: it will not be delivered again to anyone in the group. */
  public void ack(FeedEntry entry) {
    redis.xack(entry.stream(), group, entry.entryId());
  }

  /** Forgets an entry's event id so a redelivery is not dropped (call when handling failed). */
  public void release(FeedEntry entry) {
    recent.remove(entry.eventId());
  }

  public String group() {
    return group;
  }

  /** Stops listening for wake-ups; the connections are the caller's and stay open. */
  @Override
  public void close() {
    wakeups.close();
  }

  private static List<Integer> allPartitions(KeyLayout layout) {
    List<Integer> all = new ArrayList<>();
    for (int p = 0; p < layout.partitions(); p++) {
      all.add(p);
    }
    return all;
  }

  /** Builder; group and consumer name are required. */
  public static final class Builder {
    private final RedisConnection connection;
    private final KeyLayout layout;
    private StatefulRedisPubSubConnection<String, String> wakeUps;
    private String group;
    private String consumer;
    private List<Integer> partitions;
    private boolean startFromBeginning;
    private Duration claimAfter = DEFAULT_CLAIM_AFTER;
    private int batch = DEFAULT_BATCH;
    private int dedupeWindow = DEFAULT_DEDUPE_WINDOW;

    private Builder(RedisConnection connection, KeyLayout layout) {
      this.connection = Objects.requireNonNull(connection, "connection");
      this.layout = Objects.requireNonNull(layout, "layout");
    }

    public Builder group(String group) {
      this.group = group;
      return this;
    }

    /** This process's name in the group; must be stable across restarts to resume its own pending entries. */
    public Builder consumer(String consumer) {
      this.consumer = consumer;
      return this;
    }

    /**
     * A pub/sub connection (of the same client) on which to hear the partitions' wake-up channels:
     * on a Redis Cluster a new entry is then read at once instead of at the next poll. Ignored on
     * a single Redis, where the read itself blocks. The consumer subscribes and, on close, unsubscribes.
     */
    public Builder wakeUps(StatefulRedisPubSubConnection<String, String> pubSub) {
      this.wakeUps = pubSub;
      return this;
    }

    /** Only these partitions (to spread partitions over processes); default all. */
    public Builder partitions(List<Integer> partitions) {
      this.partitions = List.copyOf(partitions);
      return this;
    }

    /** A new group starts at the oldest entry instead of at new entries only. */
    public Builder startFromBeginning(boolean fromBeginning) {
      this.startFromBeginning = fromBeginning;
      return this;
    }

    public Builder claimAfter(Duration claimAfter) {
      this.claimAfter = claimAfter;
      return this;
    }

    public Builder batch(int batch) {
      this.batch = batch;
      return this;
    }

    public Builder dedupeWindow(int ids) {
      this.dedupeWindow = ids;
      return this;
    }

    public FeedConsumer build() {
      if (group == null || group.isBlank() || consumer == null || consumer.isBlank()) {
        throw new IllegalArgumentException("group and consumer names are required");
      }
      if (batch < 1 || dedupeWindow < 1 || claimAfter.isNegative() || claimAfter.isZero()) {
        throw new IllegalArgumentException("batch, dedupe window and claimAfter must be positive");
      }
      if (partitions != null) {
        for (int p : partitions) {
          if (p < 0 || p >= layout.partitions()) {
            throw new IllegalArgumentException("partition " + p + " is outside 0.." + (layout.partitions() - 1));
          }
        }
      }
      return new FeedConsumer(this);
    }
  }
}
