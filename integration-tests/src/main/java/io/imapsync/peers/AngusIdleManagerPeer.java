package io.imapsync.peers;

import jakarta.mail.Folder;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.event.MessageCountAdapter;
import jakarta.mail.event.MessageCountEvent;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.eclipse.angus.mail.imap.IdleManager;

/**
 * Angus's {@link IdleManager}: one selector thread watches every folder, configured as its
 * javadoc recommends for many folders (SocketChannels; events for the whole session on one task
 * of the same executor instead of a thread per folder). After each event the listener fetches,
 * which ends the folder's IDLE, and asks the manager to watch the folder again, as the javadoc
 * requires. Connecting is blocking (one thread per connect in flight, pooled).
 */
final class AngusIdleManagerPeer implements IdlePeer {
  @Override
  public void start(List<Mailbox> mailboxes, int connectConcurrency, ConnectTally tally, Arrivals arrivals)
      throws Exception {
    ExecutorService executor = Executors.newCachedThreadPool();
    Properties p = AngusConfig.properties();
    p.put("mail.imap.usesocketchannels", "true");
    p.put("mail.event.scope", "session");
    p.put("mail.event.executor", executor);
    Session session = Session.getInstance(p);
    IdleManager manager = new IdleManager(session, executor);
    ExecutorService connectors = Executors.newFixedThreadPool(connectConcurrency);
    for (Mailbox m : mailboxes) {
      connectors.execute(() -> watch(session, manager, m, arrivals, tally));
    }
    connectors.shutdown(); // its threads end once every connect is done
  }

  private static void watch(Session session, IdleManager manager, Mailbox m, Arrivals recorder,
      ConnectTally tally) {
    try {
      Store store = session.getStore("imap");
      store.connect(m.host(), m.port(), m.user(), m.password());
      IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
      inbox.open(Folder.READ_ONLY);
      inbox.addMessageCountListener(new MessageCountAdapter() {
        @Override
        public void messagesAdded(MessageCountEvent e) {
          try {
            recorder.record(m.user(), inbox, e.getMessages());
            manager.watch(inbox);
          } catch (MessagingException | RuntimeException ex) {
            tally.markLost(m.user(), ex);
          }
        }
      });
      manager.watch(inbox);
      tally.markConnected();
    } catch (MessagingException | RuntimeException e) {
      tally.markFailed(m.user(), e);
    }
  }
}
