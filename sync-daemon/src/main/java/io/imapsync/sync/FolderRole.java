package io.imapsync.sync;

import java.util.Locale;
import java.util.Set;

/**
 * What a folder is for (RFC 6154 SPECIAL-USE, or the names servers used before it), in the order
 * the default watched set gives them a connection: the inbox first, then what users open most.
 */
public enum FolderRole {
  INBOX, SENT, DRAFTS, ARCHIVE, ALL, JUNK, TRASH, OTHER;

  /** From LIST attributes such as {@code \Sent}; null when none names a role. */
  static FolderRole fromAttributes(Iterable<String> attributes) {
    for (String a : attributes) {
      switch (a.toLowerCase(Locale.ROOT)) {
        case "\\sent" -> { return SENT; }
        case "\\drafts" -> { return DRAFTS; }
        case "\\archive" -> { return ARCHIVE; }
        case "\\all" -> { return ALL; }
        case "\\junk" -> { return JUNK; }
        case "\\trash" -> { return TRASH; }
        default -> { }
      }
    }
    return null;
  }

  private static final Set<String> SENT_NAMES = Set.of("sent", "sent items", "sent messages", "sent mail", "[gmail]/sent mail",
      "gesendet", "gesendete objekte", "envoyés", "elementos enviados", "inbox.sent", "inbox/sent");
  private static final Set<String> DRAFT_NAMES = Set.of("drafts", "draft", "[gmail]/drafts", "entwürfe", "brouillons",
      "inbox.drafts", "inbox/drafts");
  private static final Set<String> ARCHIVE_NAMES = Set.of("archive", "archives", "archiv", "inbox.archive", "inbox/archive");
  private static final Set<String> ALL_NAMES = Set.of("[gmail]/all mail", "all mail");
  private static final Set<String> JUNK_NAMES = Set.of("junk", "spam", "junk e-mail", "junk email", "bulk mail",
      "[gmail]/spam", "inbox.junk", "inbox/junk", "inbox.spam");
  private static final Set<String> TRASH_NAMES = Set.of("trash", "deleted items", "deleted messages", "bin",
      "[gmail]/trash", "[gmail]/bin", "papierkorb", "corbeille", "inbox.trash", "inbox/trash");

  /** XLIST-era fallback by well-known names (case-insensitive, full path). */
  static FolderRole fromName(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    if (n.equals("inbox")) {
      return INBOX;
    }
    if (SENT_NAMES.contains(n)) {
      return SENT;
    }
    if (DRAFT_NAMES.contains(n)) {
      return DRAFTS;
    }
    if (ARCHIVE_NAMES.contains(n)) {
      return ARCHIVE;
    }
    if (ALL_NAMES.contains(n)) {
      return ALL;
    }
    if (JUNK_NAMES.contains(n)) {
      return JUNK;
    }
    if (TRASH_NAMES.contains(n)) {
      return TRASH;
    }
    return OTHER;
  }
}
