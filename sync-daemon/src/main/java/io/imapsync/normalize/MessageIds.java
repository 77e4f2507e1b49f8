package io.imapsync.normalize;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Message-ID tokens from Message-ID, In-Reply-To and References headers (RFC 5322 msg-id). */
public final class MessageIds {
  /** References beyond this are dropped: only the root and the nearest ancestors matter. */
  static final int MAX_REFERENCES = 100;

  private MessageIds() {}

  /** All {@code <...>} ids in order, deduplicated, without angle brackets. */
  public static List<String> all(String headerValue) {
    if (headerValue == null) {
      return List.of();
    }
    Set<String> out = new LinkedHashSet<>();
    int i = 0;
    while (i < headerValue.length() && out.size() < MAX_REFERENCES) {
      int lt = headerValue.indexOf('<', i);
      if (lt < 0) {
        break;
      }
      int gt = headerValue.indexOf('>', lt + 1);
      if (gt < 0) {
        break;
      }
      // white space (folding inside an id) and control characters are no part of an id
      String id = Text.compact(headerValue.substring(lt + 1, gt), null);
      if (!id.isEmpty() && id.length() <= 998 && id.indexOf('<') < 0) {
        out.add(id);
      }
      i = gt + 1;
    }
    return new ArrayList<>(out);
  }

  /** The first id, or the bare value when a broken mailer left out the brackets. */
  public static String first(String headerValue) {
    List<String> ids = all(headerValue);
    if (!ids.isEmpty()) {
      return ids.get(0);
    }
    if (headerValue == null) {
      return null;
    }
    String v = headerValue.strip();
    if (v.isEmpty() || v.contains(" ") || v.length() > 998) {
      return null;
    }
    v = Text.compact(v, null);
    return v.isEmpty() ? null : v;
  }
}
