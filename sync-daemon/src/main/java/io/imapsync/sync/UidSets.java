package io.imapsync.sync;

import java.util.List;

/** Sorted UIDs to a compact IMAP sequence set: runs become ranges ("4:9,12,15:16"). */
final class UidSets {
  private UidSets() {}

  static String compress(List<Long> sortedUids) {
    StringBuilder sb = new StringBuilder();
    int i = 0;
    while (i < sortedUids.size()) {
      long start = sortedUids.get(i);
      long end = start;
      while (i + 1 < sortedUids.size() && sortedUids.get(i + 1) == end + 1) {
        end = sortedUids.get(++i);
      }
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(start);
      if (end != start) {
        sb.append(':').append(end);
      }
      i++;
    }
    return sb.toString();
  }
}
