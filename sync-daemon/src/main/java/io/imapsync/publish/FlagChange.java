package io.imapsync.publish;

import java.util.List;

/**
 * A message's flags as the server reports them now, with the MODSEQ of the change (-1 without
 * CONDSTORE), and its Gmail labels when the server has X-GM-EXT-1 (else null: unknown, unchanged).
 */
public record FlagChange(long uid, List<String> flags, long modSeq, List<String> gmailLabels) {

  public FlagChange(long uid, List<String> flags, long modSeq) {
    this(uid, flags, modSeq, null);
  }
}
