package io.imapsync.it.support;

import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.UIDFolder;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.TreeMap;

/**
 * What the IMAP server holds, read by an independent client (Jakarta Mail / Angus, blocking):
 * the sync checker compares the mirror in Redis with this.
 */
public final class ServerTruth {
  /** A folder's UIDVALIDITY and, per UID, its flags (system flags as IMAP names) and Message-ID. */
  public record FolderState(long uidValidity, TreeMap<Long, Entry> messages) {}

  public record Entry(List<String> flags, String messageId) {}

  private ServerTruth() {}

  public static Store connect(String host, int port, String user, String password) throws MessagingException {
    Properties p = new Properties();
    p.put("mail.imap.connectiontimeout", "10000");
    p.put("mail.imap.timeout", "20000");
    Store store = Session.getInstance(p).getStore("imap");
    store.connect(host, port, user, password);
    return store;
  }

  public static FolderState read(Store store, String folderName) throws MessagingException {
    Folder folder = store.getFolder(folderName);
    folder.open(Folder.READ_ONLY);
    try {
      UIDFolder uf = (UIDFolder) folder;
      TreeMap<Long, Entry> out = new TreeMap<>();
      Message[] all = folder.getMessages();
      jakarta.mail.FetchProfile fp = new jakarta.mail.FetchProfile();
      fp.add(UIDFolder.FetchProfileItem.UID);
      fp.add(jakarta.mail.FetchProfile.Item.FLAGS);
      fp.add("Message-ID");
      folder.fetch(all, fp);
      for (Message m : all) {
        String[] ids = m.getHeader("Message-ID");
        String id = ids == null || ids.length == 0 ? null : ids[0].replaceAll("[<>\\s]", "");
        out.put(uf.getUID(m), new Entry(imapFlags(m.getFlags()), id));
      }
      return new FolderState(uf.getUIDValidity(), out);
    } finally {
      folder.close(false);
    }
  }

  static List<String> imapFlags(Flags flags) {
    List<String> out = new ArrayList<>();
    for (Flags.Flag f : flags.getSystemFlags()) {
      if (f == Flags.Flag.SEEN) {
        out.add("\\Seen");
      } else if (f == Flags.Flag.FLAGGED) {
        out.add("\\Flagged");
      } else if (f == Flags.Flag.ANSWERED) {
        out.add("\\Answered");
      } else if (f == Flags.Flag.DRAFT) {
        out.add("\\Draft");
      } else if (f == Flags.Flag.DELETED) {
        out.add("\\Deleted");
      }
    }
    for (String u : flags.getUserFlags()) {
      out.add(u);
    }
    return out;
  }
}
