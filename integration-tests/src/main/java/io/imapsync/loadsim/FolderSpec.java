package io.imapsync.loadsim;

import java.util.Locale;
import java.util.Map;

/**
 * A folder every simulated user has besides INBOX, and its SPECIAL-USE attribute (RFC 6154) or
 * null. Names are flat (no hierarchy) and plain ASCII, so they need no modified UTF-7.
 */
public record FolderSpec(String name, String specialUse) {
  private static final Map<String, String> KNOWN = Map.of(
      "sent", "\\Sent", "archive", "\\Archive", "trash", "\\Trash", "drafts", "\\Drafts",
      "junk", "\\Junk", "spam", "\\Junk", "all", "\\All", "flagged", "\\Flagged");

  public FolderSpec {
    if (name == null || name.isEmpty() || name.length() > 100) {
      throw new IllegalArgumentException("folder name must have 1 to 100 characters");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x21 || c > 0x7e || c == '"' || c == '\\' || c == '/' || c == '%' || c == '*' || c == '&') {
        throw new IllegalArgumentException("folder name " + name + ": only printable ASCII without quotes, "
            + "backslash, '/', '%', '*' or '&'");
      }
    }
    if (name.equalsIgnoreCase("INBOX")) {
      throw new IllegalArgumentException("INBOX is always there; do not list it");
    }
    if (specialUse != null && !specialUse.startsWith("\\")) {
      throw new IllegalArgumentException("special-use attribute must start with a backslash: " + specialUse);
    }
  }

  /** A folder named {@code name}, with the special use its name suggests (Sent, Trash, ...). */
  public static FolderSpec of(String name) {
    return new FolderSpec(name, KNOWN.get(name.toLowerCase(Locale.ROOT)));
  }
}
