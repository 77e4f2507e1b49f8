package io.imapsync.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.imapsync.model.Json;
import io.imapsync.publish.KeyLayout;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Compares a folder's mirror in Redis with the server's truth ({@link ServerTruth}): UIDVALIDITY,
 * the set of UIDs, each message's flags and Message-ID, and that every mirrored message's
 * document exists and agrees. Returns every difference, readably; empty means in sync.
 */
public final class SyncChecker {
  private SyncChecker() {}

  public static List<String> differences(ServerTruth.FolderState server, RedisClusterCommands<String, String> redis,
      KeyLayout layout, String account, String folder) {
    List<String> diffs = new ArrayList<>();
    Map<String, String> state = redis.hgetall(layout.folderState(account, folder));
    String uv = state.get("uidvalidity");
    if (uv == null || Long.parseLong(uv) != server.uidValidity()) {
      diffs.add(folder + ": UIDVALIDITY server " + server.uidValidity() + ", mirror " + uv);
      return diffs;
    }
    Map<String, String> uids = redis.hgetall(layout.folderUids(account, folder));
    Map<String, String> flags = redis.hgetall(layout.folderFlags(account, folder));
    for (var e : server.messages().entrySet()) {
      String uid = Long.toString(e.getKey());
      String id = uids.get(uid);
      if (id == null) {
        diffs.add(folder + " UID " + uid + " <" + e.getValue().messageId() + ">: on the server, missing from the mirror");
        continue;
      }
      Set<String> want = norm(e.getValue().flags());
      Set<String> got = norm(flags.getOrDefault(uid, "").isEmpty() ? List.of() : List.of(flags.get(uid).split(" ")));
      if (!want.equals(got)) {
        diffs.add(folder + " UID " + uid + ": flags server " + want + ", mirror " + got);
      }
      String doc = redis.get(layout.message(account, id));
      if (doc == null) {
        diffs.add(folder + " UID " + uid + ": message document " + id + " missing");
        continue;
      }
      JsonNode d = Json.read(doc, JsonNode.class);
      boolean listed = false;
      for (JsonNode l : d.path("locations")) {
        listed |= folder.equals(l.path("mailbox").asText()) && l.path("uid").asLong() == e.getKey();
      }
      if (!listed) {
        diffs.add(folder + " UID " + uid + ": document's locations " + d.path("locations") + " do not list it");
      }
      if (d.path("uid").asLong() != e.getKey() || !folder.equals(d.path("mailbox").asText())) {
        continue; // a copy elsewhere is the primary place: the document's flags are that copy's
      }
      Set<String> docFlags = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
      d.path("flags").forEach(f -> docFlags.add(f.asText()));
      docFlags.remove("\\Recent");
      if (!want.equals(docFlags)) {
        diffs.add(folder + " UID " + uid + ": document flags " + docFlags + ", server " + want);
      }
      if (d.path("unread").asBoolean() == want.contains("\\Seen")) {
        diffs.add(folder + " UID " + uid + ": unread=" + d.path("unread").asBoolean() + " but flags " + want);
      }
      String mid = e.getValue().messageId();
      if (mid != null && !mid.equals(d.path("message_id").asText())) {
        diffs.add(folder + " UID " + uid + ": Message-ID server " + mid + ", mirror " + d.path("message_id").asText());
      }
    }
    for (String uid : uids.keySet()) {
      if (!server.messages().containsKey(Long.parseLong(uid))) {
        diffs.add(folder + " UID " + uid + ": in the mirror, gone from the server");
      }
    }
    long uidNext = Long.parseLong(state.getOrDefault("uidnext", "1"));
    if (!server.messages().isEmpty() && server.messages().lastKey() >= uidNext) {
      diffs.add(folder + ": checkpoint uidnext " + uidNext + " not past the last UID " + server.messages().lastKey());
    }
    return diffs;
  }

  /** Flags as a case-insensitive set without \\Recent: how the mirror and the server are compared. */
  public static Set<String> norm(List<String> flags) {
    Set<String> s = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    for (String f : flags) {
      if (!f.isBlank() && !f.toLowerCase(Locale.ROOT).equals("\\recent")) {
        s.add(f);
      }
    }
    return s;
  }
}
