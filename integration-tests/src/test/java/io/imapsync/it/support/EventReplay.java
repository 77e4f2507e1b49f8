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
 * Rebuilds folders' contents from the events alone, as a consumer would, keyed by message id
 * (UIDs are only positions: after mailbox.reset an old UID can name another message): created
 * adds a message at its UID, updated changes its flags (or, with {@code changed.mailboxes}, adds
 * or removes the copy at the event's position), moved takes it from one folder to another,
 * deleted removes it, mailbox.reset forgets the folder's UIDs. If the result equals the server's
 * truth, no change was lost.
 */
public final class EventReplay {
  private record Held(long uid, List<String> flags) {}

  private final Map<String, Map<String, Held>> folders = new HashMap<>();
  private final Map<String, Integer> seenIds = new HashMap<>();
  private final java.util.Set<String> deletedIds = new java.util.HashSet<>();
  private long moves;

  private final Map<String, List<String>> history = new HashMap<>();

  /** What happened to one message, event by event (for failure reports). */
  public List<String> history(String id) {
    return history.getOrDefault(id, List.of());
  }

  public void apply(FeedEntry e) {
    JsonNode pl = e.event().path("payload");
    if (pl.has("id") && e.type().startsWith("message.")) {
      JsonNode pos = e.event().path("position");
      history.computeIfAbsent(pl.path("id").asText(), k -> new ArrayList<>()).add(e.type() + " @" + pos.path("mailbox").asText()
          + "/" + pos.path("uid").asLong() + (pl.has("from") ? " from " + pl.path("from").path("mailbox").asText() : "")
          + (pl.path("changed").has("mailboxes") ? " mailboxes " + pl.path("changed").path("mailboxes") : "")
          + " t=" + e.event().path("time").asLong());
    }
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
        JsonNode changed = p.path("changed");
        if (changed.has("added")) {
          JsonNode place = changed.path("added");
          held(place.path("mailbox").asText()).put(id, new Held(place.path("uid").asLong(), flags(changed.path("flags"))));
          break;
        }
        if (changed.has("removed")) {
          JsonNode place = changed.path("removed");
          Held h = held(place.path("mailbox").asText()).get(id);
          if (h != null && h.uid() == place.path("uid").asLong()) {
            held(place.path("mailbox").asText()).remove(id);
          }
          break;
        }
        Held h = held(mailbox).get(id);
        if (h != null) {
          held(mailbox).put(id, new Held(h.uid(), flags(changed.path("flags"))));
        }
      }
      case "message.moved" -> {
        moves++;
        held(p.path("from").path("mailbox").asText()).remove(id);
        held(p.path("to").path("mailbox").asText()).put(id, new Held(p.path("to").path("uid").asLong(), flags(p.path("flags"))));
      }
      case "message.deleted" -> {
        Held h = held(mailbox).get(id);
        if (h != null && h.uid() == p.path("uid").asLong()) {
          held(mailbox).remove(id);
        }
        deletedIds.add(id);
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

  /** message.moved events applied. */
  public long moves() {
    return moves;
  }

  /** Ids of messages announced deleted at some point. */
  public java.util.Set<String> deletedIds() {
    return deletedIds;
  }

  /** Every folder the events mention that holds something. */
  public java.util.Set<String> folderNames() {
    java.util.Set<String> out = new java.util.TreeSet<>();
    folders.forEach((k, v) -> {
      if (!v.isEmpty()) {
        out.add(k);
      }
    });
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
