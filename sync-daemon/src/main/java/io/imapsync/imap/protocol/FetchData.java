package io.imapsync.imap.protocol;

import java.util.List;
import java.util.Map;

/**
 * The items of one FETCH response. Absent items are null (or -1 for numbers), because a server
 * sends only what was asked or what changed (unsolicited FLAGS).
 *
 * @param bodies section spec (as sent, e.g. "BODY[]", "BODY[HEADER]<0>", "BINARY[1]") to octets
 */
public record FetchData(
    long uid,
    List<String> flags,
    long modSeq,
    String internalDate,
    long size,
    ImapValue envelope,
    ImapValue bodyStructure,
    Map<String, byte[]> bodies,
    long gmailMessageId,
    long gmailThreadId,
    List<String> gmailLabels,
    String emailId,
    String threadId) {

  public boolean hasUid() {
    return uid > 0;
  }

  /** The whole message ({@code BODY[]}, {@code RFC822} or {@code BINARY[]}), or null. */
  public byte[] wholeMessage() {
    if (bodies == null) {
      return null;
    }
    for (var e : bodies.entrySet()) {
      String k = e.getKey();
      if (k.equals("BODY[]") || k.equals("RFC822") || k.equals("BINARY[]") || k.equals("BODY[]<0>")) {
        return e.getValue();
      }
    }
    return null;
  }
}
