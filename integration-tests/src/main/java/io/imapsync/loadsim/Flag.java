package io.imapsync.loadsim;

import java.util.EnumSet;
import java.util.Set;

/**
 * The system flags the simulator keeps, one bit each: a message's flags are one byte. Keywords
 * are not kept (PERMANENTFLAGS carries no {@code \*}), which keeps that byte enough.
 */
public enum Flag {
  SEEN("\\Seen"),
  ANSWERED("\\Answered"),
  FLAGGED("\\Flagged"),
  DELETED("\\Deleted"),
  DRAFT("\\Draft");

  /** As FLAGS and PERMANENTFLAGS list them. */
  static final String ALL_IMAP = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";

  private static final Flag[] VALUES = values();

  private final String imap;

  Flag(String imap) {
    this.imap = imap;
  }

  /** The IMAP spelling, e.g. {@code \Seen}. */
  public String imap() {
    return imap;
  }

  int bit() {
    return 1 << ordinal();
  }

  /** The flag spelled {@code name} (case-insensitive, as IMAP says), or null. */
  static Flag fromImap(String name) {
    for (Flag f : VALUES) {
      if (f.imap.equalsIgnoreCase(name)) {
        return f;
      }
    }
    return null;
  }

  static int bits(Set<Flag> flags) {
    int b = 0;
    for (Flag f : flags) {
      b |= f.bit();
    }
    return b;
  }

  static Set<Flag> set(int bits) {
    EnumSet<Flag> out = EnumSet.noneOf(Flag.class);
    for (Flag f : VALUES) {
      if ((bits & f.bit()) != 0) {
        out.add(f);
      }
    }
    return out;
  }

  /** {@code \Seen \Flagged}: the inside of a FLAGS list, in declaration order. */
  static String imapList(int bits) {
    StringBuilder sb = new StringBuilder(24);
    for (Flag f : VALUES) {
      if ((bits & f.bit()) != 0) {
        if (!sb.isEmpty()) {
          sb.append(' ');
        }
        sb.append(f.imap);
      }
    }
    return sb.toString();
  }
}
