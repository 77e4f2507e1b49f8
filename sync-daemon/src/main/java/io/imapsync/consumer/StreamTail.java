package io.imapsync.consumer;

import io.imapsync.model.Json;
import io.imapsync.publish.KeyLayout;
import io.imapsync.redis.RedisConnection;
import io.lettuce.core.StreamMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Follows every partition stream from "now" (or from the start) without a consumer group: for
 * watching the feed (demo, {@code syncctl tail}), not for consuming it reliably. Blocks the calling
 * thread while it waits, so give it a dedicated connection and thread. On a Redis Cluster, pass
 * {@link StreamWakeups} to hear new entries at once instead of at the next poll.
 */
public final class StreamTail {
  private final StreamReads reads;
  private final Map<String, String> offsets = new LinkedHashMap<>();

  public StreamTail(RedisConnection connection, KeyLayout layout, boolean fromStart) {
    this(connection, layout, fromStart, null);
  }

  public StreamTail(RedisConnection connection, KeyLayout layout, boolean fromStart, StreamWakeups wakeups) {
    this.reads = new StreamReads(connection, wakeups, null);
    for (int p = 0; p < layout.partitions(); p++) {
      String key = layout.stream(p);
      String last = "0-0";
      if (!fromStart) {
        List<StreamMessage<String, String>> tail = connection.sync().xrevrange(key,
            io.lettuce.core.Range.create("-", "+"), io.lettuce.core.Limit.from(1));
        if (!tail.isEmpty()) {
          last = tail.get(0).getId();
        }
      }
      offsets.put(key, last);
    }
  }

  /** Waits up to {@code block} for new entries; returns them in stream order per partition. */
  public List<FeedEntry> poll(Duration block) {
    List<StreamMessage<String, String>> messages = reads.read(offsets, 1000, block);
    List<FeedEntry> out = new ArrayList<>(messages.size());
    for (StreamMessage<String, String> m : messages) {
      offsets.put(m.getStream(), m.getId());
      Map<String, String> body = m.getBody();
      out.add(new FeedEntry(m.getStream(), m.getId(), body.get("id"), body.get("type"), body.get("account"),
          Json.read(body.get("event"), com.fasterxml.jackson.databind.JsonNode.class)));
    }
    return out;
  }
}
