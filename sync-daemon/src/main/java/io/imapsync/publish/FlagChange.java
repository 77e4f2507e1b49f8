package io.imapsync.publish;

import java.util.List;

/** A message's flags as the server reports them now, with the MODSEQ of the change (-1 without CONDSTORE). */
public record FlagChange(long uid, List<String> flags, long modSeq) {}
