package io.imapsync.conversation;

import io.imapsync.model.ConversationDocument;
import io.imapsync.model.ConversationMessage;
import io.imapsync.model.MessageDocument;
import java.util.ArrayList;
import java.util.List;

/**
 * Changes to a conversation that are not a new message: a message's flags changed, it moved, or it
 * left the conversation (deleted). Each returns a new document with {@code version} one higher, or null when the
 * conversation has no message left.
 */
public final class ConversationEdits {
  private ConversationEdits() {}

  public static ConversationDocument withFlags(ConversationDocument c, String messageId, boolean unread, boolean starred) {
    List<ConversationMessage> msgs = new ArrayList<>(c.messages().size());
    boolean changed = false;
    for (ConversationMessage m : c.messages()) {
      if (m.id().equals(messageId) && (m.unread() != unread || m.starred() != starred)) {
        msgs.add(new ConversationMessage(m.id(), m.mailbox(), m.mailboxes(), m.uid(), m.from(), m.date(), m.subject(), m.blurb(),
            unread, starred, m.hasAttachments()));
        changed = true;
      } else {
        msgs.add(m);
      }
    }
    return changed ? rebuild(c, msgs) : c;
  }

  public static ConversationDocument without(ConversationDocument c, String messageId) {
    List<ConversationMessage> msgs = new ArrayList<>(c.messages());
    if (!msgs.removeIf(m -> m.id().equals(messageId))) {
      return c;
    }
    return msgs.isEmpty() ? null : rebuild(c, msgs);
  }

  /** The message is now in other folders (moved, copied, or a copy removed). */
  public static ConversationDocument withLocations(ConversationDocument c, MessageDocument moved) {
    List<ConversationMessage> msgs = new ArrayList<>(c.messages().size());
    boolean changed = false;
    for (ConversationMessage m : c.messages()) {
      if (m.id().equals(moved.id())) {
        msgs.add(new ConversationMessage(m.id(), moved.mailbox(), moved.mailboxNames(), moved.uid(), m.from(), m.date(),
            m.subject(), m.blurb(), moved.unread(), moved.starred(), m.hasAttachments()));
        changed = true;
      } else {
        msgs.add(m);
      }
    }
    return changed ? rebuild(c, msgs) : c;
  }

  private static ConversationDocument rebuild(ConversationDocument c, List<ConversationMessage> msgs) {
    ConversationMessage newest = msgs.get(msgs.size() - 1);
    List<String> mailboxes = msgs.stream().flatMap(m -> m.mailboxes().stream()).distinct().toList();
    return new ConversationDocument(c.id(), c.accountId(), msgs.get(0).subject() != null ? msgs.get(0).subject() : c.subject(),
        newest.blurb(), newest.date(), msgs.size(),
        msgs.stream().anyMatch(ConversationMessage::unread), msgs.stream().anyMatch(ConversationMessage::starred),
        msgs.stream().anyMatch(ConversationMessage::hasAttachments), c.participants(), c.contact(), mailboxes,
        c.labels(), msgs, c.version() + 1);
  }
}
