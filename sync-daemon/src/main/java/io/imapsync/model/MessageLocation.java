package io.imapsync.model;

/**
 * One place a message is in: a watched folder and its UID there. A message copied to a second
 * folder (or labelled twice in Gmail) has two; {@code since} is when we first saw it there (ms),
 * which tells a move (a copy followed soon by the source's expunge) from a copy.
 */
public record MessageLocation(String mailbox, long uidvalidity, long uid, long since) {

  public boolean is(String folder, long folderUid) {
    return mailbox.equals(folder) && uid == folderUid;
  }
}
