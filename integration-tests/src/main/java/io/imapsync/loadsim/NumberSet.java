package io.imapsync.loadsim;

import java.util.Arrays;

/**
 * A sequence-set (RFC 9051 {@code sequence-set}) as sorted, merged closed ranges, {@code *}
 * resolved against the largest number in use when the set is applied ({@link #resolve}). Numbers
 * are checked to be 1 to 2^32-1 and their digits counted before they are parsed.
 */
final class NumberSet {
  /** Stands for {@code *} until resolved. */
  private static final long STAR = -1;
  static final long MAX = 0xffff_ffffL;

  private final long[] starts;
  private final long[] ends;

  private NumberSet(long[] starts, long[] ends) {
    this.starts = starts;
    this.ends = ends;
  }

  /** sequence-set = (seq-number / seq-range) ["," sequence-set]; seq-range = seq-number ":" seq-number */
  static NumberSet parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new CommandSyntaxException("empty sequence set");
    }
    String[] parts = text.split(",", -1);
    if (parts.length > 100_000) {
      throw new CommandSyntaxException("sequence set of " + parts.length + " parts exceeds the allowed maximum (100000)");
    }
    long[] s = new long[parts.length];
    long[] e = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i];
      int colon = p.indexOf(':');
      if (colon < 0) {
        s[i] = e[i] = number(p);
      } else {
        s[i] = number(p.substring(0, colon));
        e[i] = number(p.substring(colon + 1));
      }
    }
    return new NumberSet(s, e);
  }

  private static long number(String p) {
    if (p.equals("*")) {
      return STAR;
    }
    if (p.isEmpty() || p.length() > 10) {
      throw new CommandSyntaxException("bad number in sequence set: '" + p + "'");
    }
    long n = 0;
    for (int i = 0; i < p.length(); i++) {
      char c = p.charAt(i);
      if (c < '0' || c > '9') {
        throw new CommandSyntaxException("bad number in sequence set: '" + p + "'");
      }
      n = n * 10 + (c - '0');
    }
    if (n < 1 || n > MAX) {
      throw new CommandSyntaxException("number " + n + " in sequence set is outside 1 to " + MAX);
    }
    return n;
  }

  /** With {@code *} as {@code largest} (0 for an empty mailbox: then {@code *} matches nothing). */
  Resolved resolve(long largest) {
    int n = starts.length;
    long[][] r = new long[n][];
    int k = 0;
    for (int i = 0; i < n; i++) {
      long a = starts[i] == STAR ? largest : starts[i];
      long b = ends[i] == STAR ? largest : ends[i];
      if (a == 0 && b == 0) {
        continue;
      }
      if (a == 0 || b == 0) {
        // "n:*" in an empty mailbox names nothing that exists; keep the concrete end only.
        a = b = Math.max(a, b);
      }
      r[k++] = new long[] {Math.min(a, b), Math.max(a, b)};
    }
    long[][] sorted = Arrays.copyOf(r, k);
    Arrays.sort(sorted, (x, y) -> Long.compare(x[0], y[0]));
    long[] rs = new long[k];
    long[] re = new long[k];
    int m = 0;
    for (long[] range : sorted) {
      if (m > 0 && range[0] <= re[m - 1] + 1) {
        re[m - 1] = Math.max(re[m - 1], range[1]);
      } else {
        rs[m] = range[0];
        re[m] = range[1];
        m++;
      }
    }
    return new Resolved(Arrays.copyOf(rs, m), Arrays.copyOf(re, m));
  }

  /** Sorted, disjoint, non-adjacent ranges; membership by binary search. */
  record Resolved(long[] starts, long[] ends) {
    boolean contains(long n) {
      int lo = 0;
      int hi = starts.length - 1;
      while (lo <= hi) {
        int mid = (lo + hi) >>> 1;
        if (n < starts[mid]) {
          hi = mid - 1;
        } else if (n > ends[mid]) {
          lo = mid + 1;
        } else {
          return true;
        }
      }
      return false;
    }

    boolean isEmpty() {
      return starts.length == 0;
    }

    /** As a sequence-set again ({@code 1:3,7}), for response codes such as MODIFIED. */
    static String format(long[] sortedNumbers, int count) {
      StringBuilder sb = new StringBuilder();
      int i = 0;
      while (i < count) {
        int j = i;
        while (j + 1 < count && sortedNumbers[j + 1] == sortedNumbers[j] + 1) {
          j++;
        }
        if (!sb.isEmpty()) {
          sb.append(',');
        }
        sb.append(sortedNumbers[i]);
        if (j > i) {
          sb.append(':').append(sortedNumbers[j]);
        }
        i = j + 1;
      }
      return sb.toString();
    }
  }
}
