package io.imapsync.peers;

import jakarta.mail.Folder;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.event.MessageCountAdapter;
import jakarta.mail.event.MessageCountEvent;
import java.util.List;
import java.util.concurrent.Semaphore;
import org.eclipse.angus.mail.imap.IMAPFolder;

/**
 * Push the way most Java code does it today: one platform thread per mailbox, blocking in
 * {@link IMAPFolder#idle()} in a loop, and a {@code MessageCountListener} on the folder. Session
 * properties are Jakarta Mail's defaults, so events reach the listener on a per-folder event
 * thread that Jakarta Mail starts at the folder's first event (fetching there breaks the IDLE
 * of the loop, which then idles again).
 */
final class AngusThreadPeer implements IdlePeer {
  @Override
  public void start(List<Mailbox> mailboxes, int connectConcurrency, ConnectTally tally, Arrivals arrivals) {
    Session session = Session.getInstance(AngusConfig.properties());
    // Only the connect phase is bounded, so the simulator's accept queue is not flooded.
    Semaphore connecting = new Semaphore(connectConcurrency);
    for (Mailbox m : mailboxes) {
      try {
        Thread.ofPlatform().name("idle-" + m.user()).start(() -> watch(session, m, connecting, arrivals, tally));
      } catch (OutOfMemoryError e) {
        tally.markFailed(m.user(), e); // "unable to create native thread": the limit of this design
      }
    }
  }

  private static void watch(Session session, Mailbox m, Semaphore connecting, Arrivals recorder,
      ConnectTally tally) {
    IMAPFolder inbox;
    try {
      connecting.acquireUninterruptibly();
      try {
        Store store = session.getStore("imap");
        store.connect(m.host(), m.port(), m.user(), m.password());
        inbox = (IMAPFolder) store.getFolder("INBOX");
        inbox.open(Folder.READ_ONLY);
        IMAPFolder folder = inbox;
        inbox.addMessageCountListener(new MessageCountAdapter() {
          @Override
          public void messagesAdded(MessageCountEvent e) {
            try {
              recorder.record(m.user(), folder, e.getMessages());
            } catch (MessagingException ex) {
              System.err.println("angus-thread: " + m.user() + ": " + ex);
            }
          }
        });
      } finally {
        connecting.release();
      }
    } catch (MessagingException | RuntimeException e) {
      tally.markFailed(m.user(), e);
      return;
    }
    tally.markConnected();
    try {
      while (true) {
        inbox.idle(); // returns when another thread used the folder (the listener's FETCH)
      }
    } catch (MessagingException | RuntimeException e) {
      tally.markLost(m.user(), e);
    }
  }
}
