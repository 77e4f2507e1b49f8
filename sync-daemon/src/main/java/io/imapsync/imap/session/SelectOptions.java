package io.imapsync.imap.session;

/**
 * Parameters of SELECT / EXAMINE: CONDSTORE (RFC 7162 §3.1.8), or QRESYNC with what the client
 * knows (§3.2.5). {@code knownUids} may be null.
 */
public record SelectOptions(boolean withCondstore, long qresyncUidValidity, long qresyncModSeq, String knownUids) {
  public static final SelectOptions PLAIN = new SelectOptions(false, -1, -1, null);

  public static SelectOptions condStore() {
    return new SelectOptions(true, -1, -1, null);
  }

  public static SelectOptions qresync(long uidValidity, long modSeq, String knownUids) {
    if (uidValidity < 1 || modSeq < 1) {
      throw new IllegalArgumentException("QRESYNC needs a known UIDVALIDITY and MODSEQ");
    }
    return new SelectOptions(false, uidValidity, modSeq, knownUids);
  }

  public boolean qresync() {
    return qresyncUidValidity > 0;
  }
}
