package io.imapsync.conversation;

import io.imapsync.model.MessageDocument;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The Message-IDs whose conversation a message may join: its own, its parent, then older ancestors. */
public final class ThreadCandidates {
  private ThreadCandidates() {}

  /** Nearest first: In-Reply-To, References from last to first, then the message's own id. */
  public static List<String> of(MessageDocument m) {
    Set<String> out = new LinkedHashSet<>();
    if (m.inReplyTo() != null) {
      out.add(m.inReplyTo());
    }
    List<String> refs = m.references();
    for (int i = refs.size() - 1; i >= 0; i--) {
      out.add(refs.get(i));
    }
    if (m.messageId() != null) {
      out.add(m.messageId());
    }
    return new ArrayList<>(out);
  }
}
