package io.imapsync.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.imapsync.consumer.FeedEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rebuilds a folder's contents from the events alone, as a consumer would, keyed by message id
 * (UIDs are only positions: after mailbox.reset an old UID can name another message): created
 * adds a message at its UID, updated changes its flags, deleted removes it, mailbox.reset forgets
 * the folder's UIDs. If the result equals the server's truth, no change was lost.
 */
public final class EventReplay {
  private record Held(long uid, List<String> flags) {}

  private final Map<String, Map<String, Held>> folders = new HashMap<>();
  private final Map<String, Integer> seenIds = new HashMap<>();

  public void apply(FeedEntry e) {
    seenIds.merge(e.eventId(), 1, Integer::sum);
    if (seenIds.get(e.eventId()) > 1) {
      return; // a consumer drops repeats by event id
    }
    JsonNode p = e.event().path("payload");
    String mailbox = p.path("mailbox").asText();
    String id = p.path("id").asText();
    switch (e.type()) {
      case "message.created" -> held(mailbox).put(id, new Held(p.path("uid").asLong(), flags(p.path("flags"))));
      case "message.updated" -> {
        Held h = held(mailbox).get(id);
        if (h != null) {
          held(mailbox).put(id, new Held(h.uid(), flags(p.path("changed").path("flags"))));
        }
      }
      case "message.deleted" -> {
        Held h = held(mailbox).get(id);
        if (h != null && h.uid() == p.path("uid").asLong()) {
          held(mailbox).remove(id);
        }
      }
      case "mailbox.reset" -> held(mailbox).clear();
      default -> { }
    }
  }

  private Map<String, Held> held(String mailbox) {
    return folders.computeIfAbsent(mailbox, n -> new LinkedHashMap<>());
  }

  /** The folder as UID to flags. */
  public TreeMap<Long, List<String>> folder(String name) {
    TreeMap<Long, List<String>> out = new TreeMap<>();
    held(name).values().forEach(h -> out.put(h.uid(), h.flags()));
    return out;
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
