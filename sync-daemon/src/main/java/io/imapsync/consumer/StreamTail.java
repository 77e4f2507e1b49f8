package io.imapsync.consumer;

import io.imapsync.model.Json;
import io.imapsync.publish.KeyLayout;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Follows every partition stream from "now" (or from the start) without a consumer group: for
 * watching the feed (demo, {@code syncctl tail}), not for consuming it reliably. Blocks the calling
 * thread in XREAD, so give it a dedicated connection and thread.
 */
public final class StreamTail {
  private final RedisCommands<String, String> redis;
  private final Map<String, String> offsets = new LinkedHashMap<>();

  public StreamTail(StatefulRedisConnection<String, String> connection, KeyLayout layout, boolean fromStart) {
    this.redis = connection.sync();
    for (int p = 0; p < layout.partitions(); p++) {
      String key = layout.stream(p);
      String last = "0-0";
      if (!fromStart) {
        List<StreamMessage<String, String>> tail = redis.xrevrange(key, io.lettuce.core.Range.create("-", "+"),
            io.lettuce.core.Limit.from(1));
        if (!tail.isEmpty()) {
          last = tail.get(0).getId();
        }
      }
      offsets.put(key, last);
    }
  }

  /** Waits up to {@code block} for new entries; returns them in stream order per partition. */
  public List<FeedEntry> poll(Duration block) {
    @SuppressWarnings("unchecked")
    XReadArgs.StreamOffset<String>[] streams = offsets.entrySet().stream()
        .map(e -> XReadArgs.StreamOffset.from(e.getKey(), e.getValue()))
        .toArray(XReadArgs.StreamOffset[]::new);
    List<StreamMessage<String, String>> messages =
        redis.xread(XReadArgs.Builder.block(block.toMillis()).count(1000), streams);
    List<FeedEntry> out = new ArrayList<>(messages == null ? 0 : messages.size());
    if (messages == null) {
      return out;
    }
    for (StreamMessage<String, String> m : messages) {
      offsets.put(m.getStream(), m.getId());
      Map<String, String> body = m.getBody();
      out.add(new FeedEntry(m.getStream(), m.getId(), body.get("id"), body.get("type"), body.get("account"),
          Json.read(body.get("event"), com.fasterxml.jackson.databind.JsonNode.class)));
    }
    return out;
  }
}
