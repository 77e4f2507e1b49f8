package io.imapsync.sync;

import io.imapsync.imap.protocol.ImapResponse;
import io.imapsync.imap.protocol.ModifiedUtf7;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Chooses the folders to watch from a LIST: SPECIAL-USE attributes where the server has them,
 * else the well-known names. The default set is Inbox, Sent, Drafts, Archive (or All Mail when
 * there is no Archive), Junk and Trash, most important first. Folders marked \Noselect or
 * \NonExistent are never chosen.
 */
public final class FolderDiscovery {
  private FolderDiscovery() {}

  /**
   * @param wanted explicit folder names to watch (from the account), or empty for the default set
   */
  public static List<WatchedFolder> choose(List<ImapResponse.ListEntry> entries, List<String> wanted, boolean utf8) {
    Map<String, WatchedFolder> all = new LinkedHashMap<>();
    for (ImapResponse.ListEntry e : entries) {
      if (e.attributes().stream().anyMatch(a -> a.equalsIgnoreCase("\\Noselect") || a.equalsIgnoreCase("\\NonExistent"))) {
        continue;
      }
      String name = utf8 ? e.mailbox() : ModifiedUtf7.decode(e.mailbox());
      FolderRole role = name.equalsIgnoreCase("INBOX") ? FolderRole.INBOX : FolderRole.fromAttributes(e.attributes());
      if (role == null) {
        role = FolderRole.fromName(name);
      }
      all.put(name.equalsIgnoreCase("INBOX") ? "INBOX" : name, new WatchedFolder(
          name.equalsIgnoreCase("INBOX") ? "INBOX" : name, role, e.delimiter()));
    }
    if (!wanted.isEmpty()) {
      List<WatchedFolder> out = new ArrayList<>();
      for (String w : wanted) {
        WatchedFolder f = w.equalsIgnoreCase("INBOX") ? all.get("INBOX") : all.get(w);
        if (f != null) {
          out.add(f);
        }
      }
      return out;
    }
    Map<FolderRole, WatchedFolder> byRole = new EnumMap<>(FolderRole.class);
    for (WatchedFolder f : all.values()) {
      if (f.role() != FolderRole.OTHER) {
        // SPECIAL-USE beats a name match: keep the first with an attribute, else the first by name
        byRole.putIfAbsent(f.role(), f);
      }
    }
    if (byRole.containsKey(FolderRole.ARCHIVE)) {
      byRole.remove(FolderRole.ALL); // All Mail repeats every message: only when there is no Archive
    }
    List<WatchedFolder> out = new ArrayList<>(byRole.values());
    out.sort(Comparator.comparing(WatchedFolder::role));
    return out;
  }

  /** Every selectable folder, INBOX first, then by role, then by name: the {@code "*"} watched set. */
  public static List<WatchedFolder> all(List<ImapResponse.ListEntry> entries, boolean utf8) {
    List<WatchedFolder> out = new ArrayList<>();
    for (ImapResponse.ListEntry e : entries) {
      if (e.attributes().stream().anyMatch(a -> a.equalsIgnoreCase("\\Noselect") || a.equalsIgnoreCase("\\NonExistent"))) {
        continue;
      }
      String name = utf8 ? e.mailbox() : ModifiedUtf7.decode(e.mailbox());
      boolean inbox = name.equalsIgnoreCase("INBOX");
      FolderRole role = inbox ? FolderRole.INBOX : FolderRole.fromAttributes(e.attributes());
      if (role == null) {
        role = FolderRole.fromName(name);
      }
      WatchedFolder f = new WatchedFolder(inbox ? "INBOX" : name, role, e.delimiter());
      if (out.stream().noneMatch(x -> x.name().equals(f.name()))) {
        out.add(f);
      }
    }
    out.sort(Comparator.comparing(WatchedFolder::role).thenComparing(WatchedFolder::name));
    return out;
  }

  /** Names of folders missing from a LIST that an account asked for: reported, not fatal. */
  public static List<String> missing(List<WatchedFolder> chosen, List<String> wanted) {
    List<String> out = new ArrayList<>();
    for (String w : wanted) {
      boolean found = chosen.stream().anyMatch(f -> f.name().equals(w)
          || (w.toUpperCase(Locale.ROOT).equals("INBOX") && f.role() == FolderRole.INBOX));
      if (!found) {
        out.add(w);
      }
    }
    return out;
  }
}
