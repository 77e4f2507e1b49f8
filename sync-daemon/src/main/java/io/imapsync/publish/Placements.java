package io.imapsync.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imapsync.conversation.ConversationEdits;
import io.imapsync.model.ChangeEvent;
import io.imapsync.model.ConversationDocument;
import io.imapsync.model.EventPosition;
import io.imapsync.model.Json;
import io.imapsync.model.MessageDocument;
import io.imapsync.model.MessageLocation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where an already mirrored message is: it appeared in another folder (a copy, or the second half
 * of a move), or left a folder while it is still in another. The rules, so that a move is one
 * {@code message.moved} whichever half the daemon sees first:
 *
 * <ul>
 *   <li>Appears in folder B while it waits in the account's "gone" list (its last folder expunged
 *       it a moment ago): {@code message.moved} from that folder to B.
 *   <li>Appears in B while still in A: a copy; {@code message.updated} with the new
 *       {@code mailboxes}.
 *   <li>Leaves A while still in B, and B was added after A and within {@link #MOVE_WINDOW_MS}:
 *       the other half of a move seen in the other order (a move is a copy plus an expunge,
 *       RFC 6851); {@code message.moved} from A to B. Otherwise {@code message.updated}.
 *   <li>Leaves its last folder: it joins the "gone" list; the account checks its other folders
 *       and only then announces {@code message.deleted} ({@link FolderChanges#finalizeGone}).
 * </ul>
 */
final class Placements {
  static final long MOVE_WINDOW_MS = 120_000;

  private final KeyLayout layout;
  private final String accountId;

  Placements(KeyLayout layout, String accountId) {
    this.layout = layout;
    this.accountId = accountId;
  }

  /** A gone-list entry: where the message was last, and when it left. */
  record Gone(String mailbox, long uidvalidity, long uid, long at) {
    static Gone read(String json) {
      return Json.read(json, Gone.class);
    }

    String write() {
      return Json.write(this);
    }
  }

  /**
   * The message {@code current} (as stored) is now also at {@code fetched}'s place. Writes the
   * document, the folder's UID and flag maps, the event, and returns the updated document; the
   * caller writes the conversation.
   */
  MessageDocument add(WriteBatch b, long epoch, long now, MessageDocument current, MessageDocument fetched, Gone gone,
      Map<String, ConversationDocument> conversations) {
    String mailbox = fetched.mailbox();
    MessageLocation here = new MessageLocation(mailbox, fetched.uidvalidity(), fetched.uid(), now);
    List<MessageLocation> places = new ArrayList<>();
    places.add(here);
    // A message on the gone list has no place left; its document still names the last one.
    for (MessageLocation l : gone != null ? List.<MessageLocation>of() : current.locations()) {
      // A location under an older UIDVALIDITY of the same folder is stale (the folder was reset).
      if (!(l.mailbox().equals(mailbox) && l.uidvalidity() != here.uidvalidity()) && !l.is(mailbox, here.uid())) {
        places.add(l);
      }
    }
    MessageDocument updated = current.withLocations(places).withFlags(fetched.flags());
    String uid = Long.toString(fetched.uid());
    b.once(layout.folderUids(accountId, mailbox), uid, current.id(), gone != null ? 4 : 3);
    b.hset(layout.folderFlags(accountId, mailbox), uid, String.join(" ", fetched.flags()));
    b.set(layout.message(accountId, current.id()), Json.bytes(updated));
    if (gone != null) {
      b.hdel(layout.gone(accountId), current.id());
      b.event(moved(epoch, now, updated, new MessageLocation(gone.mailbox(), gone.uidvalidity(), gone.uid(), gone.at()),
          here));
    } else {
      b.event(relocated(epoch, now, updated, "added", here));
    }
    touch(conversations, updated);
    return updated;
  }

  /**
   * The message left {@code mailbox}/{@code uid}. Returns the updated document if it is still
   * somewhere, or null if it joined the gone list (the caller then asks for a sweep).
   */
  MessageDocument remove(WriteBatch b, long epoch, long now, MessageDocument current, String mailbox, long uid,
      Map<String, ConversationDocument> conversations) {
    MessageLocation removed = null;
    List<MessageLocation> rest = new ArrayList<>();
    for (MessageLocation l : current.locations()) {
      if (removed == null && l.is(mailbox, uid)) {
        removed = l;
      } else {
        rest.add(l);
      }
    }
    if (removed == null) {
      removed = new MessageLocation(mailbox, current.uidvalidity(), uid, 0);
    }
    if (rest.isEmpty()) {
      b.hset(layout.gone(accountId), current.id(), new Gone(mailbox, removed.uidvalidity(), uid, now).write());
      return null;
    }
    MessageDocument updated = current.withLocations(rest);
    b.set(layout.message(accountId, current.id()), Json.bytes(updated));
    MessageLocation newest = rest.get(0);
    if (newest.since() >= removed.since() && now - newest.since() <= MOVE_WINDOW_MS && !newest.mailbox().equals(mailbox)) {
      b.event(moved(epoch, now, updated, removed, newest));
    } else {
      b.event(relocated(epoch, now, updated, "removed", removed));
    }
    touch(conversations, updated);
    return updated;
  }

  private static void touch(Map<String, ConversationDocument> conversations, MessageDocument updated) {
    ConversationDocument c = conversations.get(updated.conversationId());
    if (c != null) {
      conversations.put(c.id(), ConversationEdits.withLocations(c, updated));
    }
  }

  /** docs/schemas/message-moved.schema.json */
  private ChangeEvent moved(long epoch, long now, MessageDocument m, MessageLocation from, MessageLocation to) {
    ObjectNode payload = Json.MAPPER.createObjectNode();
    payload.put("id", m.id()).put("conversation_id", m.conversationId());
    payload.set("from", place(from));
    payload.set("to", place(to));
    payload.set("mailboxes", Json.MAPPER.valueToTree(m.mailboxNames()));
    payload.put("unread", m.unread()).put("starred", m.starred());
    payload.set("flags", Json.MAPPER.valueToTree(m.flags()));
    return new ChangeEvent(EventIds.of(ChangeEvent.MESSAGE_MOVED, accountId, m.id(), from.mailbox(), from.uidvalidity(),
        from.uid(), to.mailbox(), to.uidvalidity(), to.uid()), ChangeEvent.MESSAGE_MOVED, accountId, now,
        new EventPosition(to.mailbox(), to.uidvalidity(), to.uid(), -1), epoch, payload);
  }

  /** message.updated whose change is the set of folders (a copy added or removed). */
  private ChangeEvent relocated(long epoch, long now, MessageDocument m, String how, MessageLocation where) {
    ObjectNode payload = Json.MAPPER.createObjectNode();
    payload.put("id", m.id()).put("conversation_id", m.conversationId()).put("mailbox", m.mailbox()).put("uid", m.uid());
    ObjectNode changed = payload.putObject("changed");
    changed.set("mailboxes", Json.MAPPER.valueToTree(m.mailboxNames()));
    changed.put("unread", m.unread()).put("starred", m.starred()).put("answered", m.answered()).put("draft", m.draft());
    changed.set("flags", Json.MAPPER.valueToTree(m.flags()));
    // Which place came or went, explicitly: the set of folder names alone does not say it when the
    // message has two places in one folder.
    changed.set(how, place(where));
    return new ChangeEvent(EventIds.of(ChangeEvent.MESSAGE_UPDATED, accountId, how, m.id(), where.mailbox(),
        where.uidvalidity(), where.uid()), ChangeEvent.MESSAGE_UPDATED, accountId, now,
        new EventPosition(where.mailbox(), where.uidvalidity(), where.uid(), -1), epoch, payload);
  }

  private static JsonNode place(MessageLocation l) {
    return Json.MAPPER.createObjectNode().put("mailbox", l.mailbox()).put("uidvalidity", l.uidvalidity())
        .put("uid", l.uid());
  }
}
