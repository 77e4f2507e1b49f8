package io.imapsync.imap.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes UID sets: runs of consecutive UIDs become ranges ("4:9,12,15:16"), and a set too long for
 * one command line is split so every line stays under RFC 7162's recommended 8,192 octets.
 */
public final class SequenceSets {
  /** Room left for the tag, command name and items on an 8,192-octet line. */
  public static final int DEFAULT_MAX_SET_OCTETS = 7_000;

  private SequenceSets() {}

  /** One set for all UIDs; {@code sortedUids} must be ascending, duplicates allowed. */
  public static String compress(List<Long> sortedUids) {
    List<String> parts = split(sortedUids, Integer.MAX_VALUE);
    return parts.isEmpty() ? "" : parts.get(0);
  }

  /** Sets of at most {@code maxOctets} each, together naming exactly the given UIDs. */
  public static List<String> split(List<Long> sortedUids, int maxOctets) {
    if (maxOctets < 21) {
      throw new IllegalArgumentException("maxOctets must fit one range of two 10-digit UIDs");
    }
    List<String> out = new ArrayList<>();
    StringBuilder sb = new StringBuilder();
    int i = 0;
    while (i < sortedUids.size()) {
      long start = sortedUids.get(i);
      if (start < 1) {
        throw new IllegalArgumentException("UIDs are positive, got " + start);
      }
      long end = start;
      while (i + 1 < sortedUids.size() && sortedUids.get(i + 1) <= end + 1) {
        long next = sortedUids.get(++i);
        if (next < end) {
          throw new IllegalArgumentException("UIDs must be sorted ascending");
        }
        end = next;
      }
      String range = end == start ? Long.toString(start) : start + ":" + end;
      if (sb.length() > 0 && sb.length() + 1 + range.length() > maxOctets) {
        out.add(sb.toString());
        sb.setLength(0);
      }
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(range);
      i++;
    }
    if (sb.length() > 0) {
      out.add(sb.toString());
    }
    return out;
  }
}
