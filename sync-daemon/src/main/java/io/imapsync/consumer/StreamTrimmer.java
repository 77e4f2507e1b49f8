package io.imapsync.consumer;

import io.imapsync.publish.KeyLayout;
import io.lettuce.core.XTrimArgs;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.models.stream.PendingMessages;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Trims partition streams without ever dropping an entry a consumer group still needs: the
 * trim point is the oldest of (the retention horizon, every group's oldest unacknowledged entry,
 * every group's first undelivered entry). Plain MAXLEN would delete unread entries (FIELD-NOTES).
 */
public final class StreamTrimmer {
  /** Entries younger than this stay even when every group has acknowledged them (for new groups, replays). */
  public static final Duration DEFAULT_RETENTION = Duration.ofHours(24);

  private final RedisClusterCommands<String, String> redis;
  private final KeyLayout layout;
  private final Duration retention;

  public StreamTrimmer(RedisClusterCommands<String, String> redis, KeyLayout layout, Duration retention) {
    this.redis = redis;
    this.layout = layout;
    this.retention = retention;
  }

  /** Trims every partition; returns entries removed per stream. */
  public Map<String, Long> trimAll(long nowMillis) {
    Map<String, Long> removed = new TreeMap<>();
    for (int p = 0; p < layout.partitions(); p++) {
      String stream = layout.stream(p);
      if (redis.exists(stream) == 0) {
        removed.put(stream, 0L); // no event in this partition yet (XINFO would say "no such key")
        continue;
      }
      String minId = safeMinId(stream, nowMillis);
      long n = redis.xtrim(stream, new XTrimArgs().minId(minId).exactTrimming());
      removed.put(stream, n);
    }
    return removed;
  }

  /** The smallest entry id that must be kept in {@code stream}. */
  String safeMinId(String stream, long nowMillis) {
    StreamId keep = new StreamId(Math.max(0, nowMillis - retention.toMillis()), 0);
    List<Object> groups = redis.xinfoGroups(stream);
    for (Object g : groups) {
      Map<String, Object> info = StreamInfo.toMap(g);
      String name = String.valueOf(info.get("name"));
      Object lastDelivered = info.get("last-delivered-id");
      if (lastDelivered != null) {
        keep = StreamId.min(keep, StreamId.parse(String.valueOf(lastDelivered)).next());
      }
      PendingMessages pending = redis.xpending(stream, name);
      if (pending.getCount() > 0 && pending.getMessageIds().getLower().getValue() != null) {
        keep = StreamId.min(keep, StreamId.parse(pending.getMessageIds().getLower().getValue()));
      }
    }
    return keep.toString();
  }
}
