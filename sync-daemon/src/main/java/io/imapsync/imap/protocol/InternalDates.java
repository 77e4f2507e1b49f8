package io.imapsync.imap.protocol;

import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * INTERNALDATE ({@code " 3-Jun-2025 10:00:00 +0000"}, RFC 9051 date-time) to epoch milliseconds.
 * A hand parser for the fixed grammar: DateTimeFormatter cost more per message than fetching it
 * during an initial sync. Anything off-grammar goes through the lenient formatter; -1 if neither reads it.
 */
public final class InternalDates {
  private static final DateTimeFormatter LENIENT = DateTimeFormatter.ofPattern("d-MMM-yyyy HH:mm:ss Z", Locale.ROOT);
  private static final String MONTHS = "janfebmaraprmayjunjulaugsepoctnovdec";

  private InternalDates() {}

  public static long toEpochMillis(String text) {
    if (text == null) {
      return -1;
    }
    String s = text.strip();
    long fast = fixed(s);
    if (fast != Long.MIN_VALUE) {
      return fast;
    }
    try {
      return ZonedDateTime.parse(s, LENIENT).toInstant().toEpochMilli();
    } catch (RuntimeException e) {
      return -1;
    }
  }

  /** d-MMM-yyyy HH:mm:ss +hhmm (day one or two digits); Long.MIN_VALUE when the text is not exactly that. */
  private static long fixed(String s) {
    int dash = s.indexOf('-');
    if (dash < 1 || dash > 2 || s.length() != dash + 24) {
      return Long.MIN_VALUE;
    }
    int day = digits(s, 0, dash);
    int month = MONTHS.indexOf(s.substring(dash + 1, dash + 4).toLowerCase(Locale.ROOT));
    int p = dash + 4;
    if (day < 1 || day > 31 || month < 0 || month % 3 != 0 || s.charAt(p) != '-' || s.charAt(p + 5) != ' '
        || s.charAt(p + 8) != ':' || s.charAt(p + 11) != ':' || s.charAt(p + 14) != ' ') {
      return Long.MIN_VALUE;
    }
    int year = digits(s, p + 1, p + 5);
    int hour = digits(s, p + 6, p + 8);
    int minute = digits(s, p + 9, p + 11);
    int second = digits(s, p + 12, p + 14);
    char sign = s.charAt(p + 15);
    int zh = digits(s, p + 16, p + 18);
    int zm = digits(s, p + 18, p + 20);
    if (year < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60
        || (sign != '+' && sign != '-') || zh < 0 || zm < 0 || zm > 59) {
      return Long.MIN_VALUE;
    }
    try {
      long days = LocalDate.of(year, month / 3 + 1, day).toEpochDay();
      long offset = (sign == '-' ? -1 : 1) * (zh * 3600L + zm * 60L);
      return ((days * 86_400L + hour * 3600L + minute * 60L + Math.min(second, 59)) - offset) * 1000L;
    } catch (java.time.DateTimeException e) {
      return Long.MIN_VALUE; // 31-Feb and the like: let the formatter decide
    }
  }

  private static int digits(String s, int from, int to) {
    int v = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }
}
