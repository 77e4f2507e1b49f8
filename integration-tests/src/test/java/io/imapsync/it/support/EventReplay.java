package io.imapsync.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.imapsync.consumer.FeedEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rebuilds folders' contents from the events alone, as a consumer would. A folder is held as
 * UID to (message id, flags): one message may have two places in one folder (a duplicate APPEND,
 * a copy into the same folder), so places are keyed by UID, and every removal checks that the
 * UID still holds that message id (after mailbox.reset an old UID can name another message).
 * created adds a place, updated changes a place's flags (or, with {@code changed.added} /
 * {@code changed.removed}, adds or removes a place), moved takes a place from one folder to
 * another, deleted removes the last place, mailbox.reset forgets the folder. If the result equals
 * the server's truth, no change was lost.
 */
public final class EventReplay {
  private record Held(String id, List<String> flags) {}

  private final Map<String, TreeMap<Long, Held>> folders = new HashMap<>();
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
      JsonNode changed = pl.path("changed");
      history.computeIfAbsent(pl.path("id").asText(), k -> new ArrayList<>()).add(e.type() + " @" + pos.path("mailbox").asText()
          + "/" + pos.path("uid").asLong() + (pl.has("from") ? " from " + pl.path("from").path("mailbox").asText() : "")
          + (changed.has("mailboxes") ? " mailboxes " + changed.path("mailboxes") : "")
          + (changed.has("added") ? " added " + changed.path("added") : "")
          + (changed.has("removed") ? " removed " + changed.path("removed") : "")
          + (changed.has("flags") ? " flags " + changed.path("flags") : "")
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
      case "message.created" -> held(mailbox).put(p.path("uid").asLong(), new Held(id, flags(p.path("flags"))));
      case "message.updated" -> {
        JsonNode changed = p.path("changed");
        if (changed.has("added")) {
          JsonNode place = changed.path("added");
          held(place.path("mailbox").asText()).put(place.path("uid").asLong(), new Held(id, flags(changed.path("flags"))));
          break;
        }
        if (changed.has("removed")) {
          JsonNode place = changed.path("removed");
          remove(place.path("mailbox").asText(), place.path("uid").asLong(), id);
          break;
        }
        long uid = p.path("uid").asLong();
        Held h = held(mailbox).get(uid);
        if (h != null && h.id().equals(id)) {
          held(mailbox).put(uid, new Held(id, flags(changed.path("flags"))));
        }
      }
      case "message.moved" -> {
        moves++;
        remove(p.path("from").path("mailbox").asText(), p.path("from").path("uid").asLong(), id);
        held(p.path("to").path("mailbox").asText()).put(p.path("to").path("uid").asLong(), new Held(id, flags(p.path("flags"))));
      }
      case "message.deleted" -> {
        remove(mailbox, p.path("uid").asLong(), id);
        deletedIds.add(id);
      }
      case "mailbox.reset" -> held(mailbox).clear();
      default -> { }
    }
  }

  private void remove(String mailbox, long uid, String id) {
    Held h = held(mailbox).get(uid);
    if (h != null && h.id().equals(id)) {
      held(mailbox).remove(uid);
    }
  }

  private TreeMap<Long, Held> held(String mailbox) {
    return folders.computeIfAbsent(mailbox, n -> new TreeMap<>());
  }

  /** The folder as UID to flags. */
  public TreeMap<Long, List<String>> folder(String name) {
    TreeMap<Long, List<String>> out = new TreeMap<>();
    held(name).forEach((uid, h) -> out.put(uid, h.flags()));
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
