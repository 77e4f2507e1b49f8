package io.imapsync.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.imapsync.consumer.FeedEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rebuilds a folder's contents from the events alone, as a consumer would: created adds a UID,
 * updated changes its flags, deleted removes it, mailbox.reset empties the folder. If the result
 * equals the server's truth, no change was lost; repeated event ids are counted.
 */
public final class EventReplay {
  private final Map<String, TreeMap<Long, List<String>>> folders = new HashMap<>();
  private final Map<String, Integer> seenIds = new HashMap<>();

  public void apply(FeedEntry e) {
    seenIds.merge(e.eventId(), 1, Integer::sum);
    if (seenIds.get(e.eventId()) > 1) {
      return; // a consumer drops repeats by event id
    }
    JsonNode p = e.event().path("payload");
    switch (e.type()) {
      case "message.created" -> folder(p.path("mailbox").asText()).put(p.path("uid").asLong(), flags(p.path("flags")));
      case "message.updated" -> {
        TreeMap<Long, List<String>> f = folder(p.path("mailbox").asText());
        if (f.containsKey(p.path("uid").asLong())) {
          f.put(p.path("uid").asLong(), flags(p.path("changed").path("flags")));
        }
      }
      case "message.deleted" -> folder(p.path("mailbox").asText()).remove(p.path("uid").asLong());
      case "mailbox.reset" -> folder(p.path("mailbox").asText()).clear();
      default -> { }
    }
  }

  public TreeMap<Long, List<String>> folder(String name) {
    return folders.computeIfAbsent(name, n -> new TreeMap<>());
  }

  /** Event ids that arrived more than once (allowed: at-least-once), for reporting. */
  public long repeats() {
    return seenIds.values().stream().filter(n -> n > 1).count();
  }

  private static List<String> flags(JsonNode arr) {
    List<String> out = new ArrayList<>();
    arr.forEach(f -> out.add(f.asText()));
    return out;
  }
}
