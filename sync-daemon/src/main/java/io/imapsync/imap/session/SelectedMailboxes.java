package io.imapsync.imap.session;

import io.imapsync.imap.protocol.ImapResponse;
import io.imapsync.imap.protocol.ResponseCode;
import java.util.ArrayList;
import java.util.List;

/** Reads a SELECT / EXAMINE result out of its untagged responses. */
final class SelectedMailboxes {
  private SelectedMailboxes() {}

  static SelectedMailbox from(String mailbox, CommandResult r) {
    long uidValidity = -1;
    long uidNext = -1;
    long exists = -1;
    long highestModSeq = -1;
    List<String> flags = List.of();
    List<ImapResponse> changes = new ArrayList<>();
    for (ImapResponse u : r.untagged()) {
      switch (u) {
        case ImapResponse.Exists e -> exists = e.count();
        case ImapResponse.Flags f -> flags = f.flags();
        case ImapResponse.Vanished v -> changes.add(v);
        case ImapResponse.Fetch f -> changes.add(f);
        case ImapResponse.Status s when s.code() != null -> {
          switch (s.code()) {
            case ResponseCode.UidValidity v -> uidValidity = v.value();
            case ResponseCode.UidNext n -> uidNext = n.value();
            case ResponseCode.HighestModSeq h -> highestModSeq = h.value();
            case ResponseCode.NoModSeq n -> highestModSeq = -1;
            default -> { }
          }
        }
        default -> { }
      }
    }
    boolean readOnly = r.tagged().code() instanceof ResponseCode.ReadOnly;
    return new SelectedMailbox(mailbox, uidValidity, uidNext, exists, highestModSeq, flags, readOnly,
        List.copyOf(changes));
  }
}
