package io.imapsync.loadsim;

import java.util.Set;

/**
 * One change the simulator made to a folder, as a {@link ChangeListener} and the changes log see
 * it. {@code stampMicros} is the epoch-microsecond instant the change became visible to IMAP
 * clients (taken with {@link Stamps#nowMicros()}), so a benchmark can subtract it from the time it
 * saw the change arrive elsewhere.
 */
public sealed interface Change {
  /** Who asked for the change. */
  enum Origin { SCHEDULE, API, CLIENT }

  String user();

  String folder();

  long uid();

  long modSeq();

  long stampMicros();

  Origin origin();

  /** A new message; its {@code X-Loadsim-Stamp} header carries {@code stampMicros}. */
  record Delivered(String user, String folder, long uid, long modSeq, long stampMicros, String messageId, Origin origin)
      implements Change {}

  /** The message's flags are now exactly {@code flags}. */
  record FlagsChanged(String user, String folder, long uid, long modSeq, long stampMicros, Set<Flag> flags, Origin origin)
      implements Change {
    public FlagsChanged {
      flags = Set.copyOf(flags);
    }
  }

  record Expunged(String user, String folder, long uid, long modSeq, long stampMicros, Origin origin) implements Change {}
}
