package io.imapsync.it.support;

import com.icegreen.greenmail.store.FolderListener;
import com.icegreen.greenmail.store.MailFolder;
import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.List;

/**
 * GreenMail (2.1.13) answers IDLE with "+ idling" first and only then starts listening to the
 * folder: a message delivered in between is not pushed until the client sends DONE (minutes
 * later). Real servers have no such gap. A test that delivers as soon as our session is in IDLE
 * awaits GreenMail's IDLE listener first; with the account's session on one event loop our client
 * reaches IDLE fast enough to land in that gap (seen once in a fresh-clone CI run).
 */
public final class GreenMailIdle {
  private GreenMailIdle() {}

  /** Until GreenMail listens for new mail in {@code user}'s INBOX on behalf of an IDLE command. */
  public static void awaitListening(GreenMail greenMail, GreenMailUser user, Duration timeout) {
    Await.until("GreenMail's IDLE listener on " + user.getLogin() + "'s INBOX", timeout, () -> {
      try {
        MailFolder inbox = greenMail.getManagers().getImapHostManager().getInbox(user);
        return listeners(inbox).stream().anyMatch(l -> l.getClass().getName().contains("IdleFolderListener"));
      } catch (Exception e) {
        throw new IllegalStateException("cannot read GreenMail's folder listeners", e);
      }
    });
  }

  @SuppressWarnings("unchecked")
  private static List<FolderListener> listeners(MailFolder folder) throws ReflectiveOperationException {
    Field f = folder.getClass().getDeclaredField("_mailboxListeners");
    f.setAccessible(true);
    List<FolderListener> list = (List<FolderListener>) f.get(folder);
    synchronized (list) {
      return List.copyOf(list);
    }
  }
}
