package io.imapsync.normalize;

import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Map;

/**
 * A lenient parser for the Date header. Our own because mime4j's two (0.8.14) each fail on mail
 * seen in the wild: the lenient one ignores named zones ({@code EST} read as UTC) and rejects two
 * spaces after the comma; the strict one rejects a missing zone and a trailing {@code GMT}.
 *
 * <p>Accepts RFC 5322 dates with or without the day name, one- to four-digit years (RFC 5322
 * §4.3: 00-49 are 20xx, 50-999 add 1900), seconds optional, {@code .} as time separator, numeric
 * zones with or without a colon, the RFC 822 zone names and a few common others, comments, the
 * asctime form ({@code Tue Jun  3 10:00:00 2025}) and ISO 8601. Invalid calendar values (hour 25,
 * 31 February) are rejected, not rolled over. The input is cut at 200 characters.
 */
final class Dates {
  private static final int MAX_INPUT = 200;
  private static final String[] MONTHS = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
      "nov", "dec"};
  private static final Map<String, Integer> ZONES = Map.ofEntries(
      Map.entry("ut", 0), Map.entry("utc", 0), Map.entry("gmt", 0), Map.entry("z", 0), Map.entry("wet", 0),
      Map.entry("est", -300), Map.entry("edt", -240), Map.entry("cst", -360), Map.entry("cdt", -300),
      Map.entry("mst", -420), Map.entry("mdt", -360), Map.entry("pst", -480), Map.entry("pdt", -420),
      Map.entry("akst", -540), Map.entry("akdt", -480), Map.entry("hst", -600),
      Map.entry("bst", 60), Map.entry("cet", 60), Map.entry("met", 60), Map.entry("cest", 120),
      Map.entry("mest", 120), Map.entry("eet", 120), Map.entry("eest", 180), Map.entry("msk", 180),
      Map.entry("jst", 540), Map.entry("kst", 540), Map.entry("aest", 600), Map.entry("nzst", 720));

  private Dates() {}

  /** A parsed date: epoch ms, and whether the zone was missing (UTC assumed). */
  record Parsed(long epochMillis, boolean zoneMissing) {}

  /** Null when the value is no recognisable date. */
  static Parsed parse(String value) {
    if (value == null) {
      return null;
    }
    String v = value.length() > MAX_INPUT ? value.substring(0, MAX_INPUT) : value;
    v = v.strip();
    if (v.isEmpty()) {
      return null;
    }
    Parsed iso = iso(v);
    if (iso != null) {
      return iso;
    }
    int day = -1;
    int month = -1;
    int year = -1;
    int hour = -1;
    int minute = -1;
    int second = 0;
    Integer zoneMinutes = null;
    for (String token : tokens(v)) {
      String t = token.toLowerCase(Locale.ROOT);
      if (t.isEmpty()) {
        continue;
      }
      char c0 = t.charAt(0);
      if ((c0 == '+' || c0 == '-') && t.length() >= 3 && zoneMinutes == null) {
        Integer z = numericZone(t);
        if (z != null) {
          zoneMinutes = z;
          continue;
        }
      }
      if (t.indexOf(':') > 0 || (t.indexOf('.') > 0 && Character.isDigit(c0) && hour < 0 && day >= 0)) {
        if (hour >= 0) {
          continue;
        }
        String[] hms = t.split("[:.]");
        if (hms.length < 2 || hms.length > 3) {
          return null;
        }
        hour = number(hms[0], 2);
        minute = number(hms[1], 2);
        second = hms.length == 3 ? number(hms[2], 2) : 0;
        if (hour < 0 || minute < 0 || second < 0) {
          return null;
        }
        continue;
      }
      if (Character.isDigit(c0)) {
        int num = number(t, 4);
        if (num < 0) {
          continue;
        }
        if (t.length() <= 2 && day < 0) {
          day = num;
        } else if (year < 0) {
          year = t.length() <= 2 ? (num < 50 ? 2000 + num : 1900 + num) : t.length() == 3 ? 1900 + num : num;
        } else if (day < 0) {
          day = num;
        }
        continue;
      }
      if (Character.isLetter(c0)) {
        if (t.length() >= 3 && month < 0) {
          int m = month(t);
          if (m > 0) {
            month = m;
            continue;
          }
        }
        Integer z = ZONES.get(t);
        if (z != null && zoneMinutes == null) {
          zoneMinutes = z;
        }
        // day names and unknown words are ignored
      }
    }
    if (day < 0 || month < 0 || year < 0 || hour < 0) {
      return null;
    }
    if (second == 60) {
      second = 59; // leap second
    }
    try {
      LocalDateTime local = LocalDateTime.of(year, month, day, hour, minute, second);
      int z = zoneMinutes == null ? 0 : zoneMinutes;
      ZoneOffset offset = ZoneOffset.ofTotalSeconds(z * 60);
      return new Parsed(local.toInstant(offset).toEpochMilli(), zoneMinutes == null);
    } catch (DateTimeException e) {
      return null;
    }
  }

  private static Parsed iso(String v) {
    if (v.length() < 10 || !Character.isDigit(v.charAt(0)) || v.charAt(4) != '-') {
      return null;
    }
    try {
      return new Parsed(OffsetDateTime.parse(v.replace(' ', 'T')).toInstant().toEpochMilli(), false);
    } catch (DateTimeException e) {
      try {
        return new Parsed(LocalDateTime.parse(v.replace(' ', 'T')).toInstant(ZoneOffset.UTC).toEpochMilli(), true);
      } catch (DateTimeException e2) {
        return null;
      }
    }
  }

  /** Splits on white space and commas; drops comments. */
  private static java.util.List<String> tokens(String v) {
    java.util.List<String> out = new java.util.ArrayList<>();
    StringBuilder cur = new StringBuilder();
    int depth = 0;
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c == '(') {
        depth++;
        continue;
      }
      if (c == ')' && depth > 0) {
        depth--;
        continue;
      }
      if (depth > 0) {
        continue;
      }
      if (c == ' ' || c == '\t' || c == ',') {
        if (cur.length() > 0) {
          out.add(cur.toString());
          cur.setLength(0);
        }
        continue;
      }
      // "3-Jun-2025" (seen from some mailers): dashes between letters and digits split too,
      // but a leading sign stays with a zone
      if (c == '-' && cur.length() > 0 && i + 1 < v.length() && Character.isLetterOrDigit(v.charAt(i + 1))
          && Character.isLetterOrDigit(cur.charAt(cur.length() - 1))) {
        out.add(cur.toString());
        cur.setLength(0);
        continue;
      }
      cur.append(c);
    }
    if (cur.length() > 0) {
      out.add(cur.toString());
    }
    return out;
  }

  private static Integer numericZone(String t) {
    String d = t.substring(1).replace(":", "");
    if (d.length() != 4 && d.length() != 2) {
      return null;
    }
    int num = number(d, 4);
    if (num < 0) {
      return null;
    }
    int hh = d.length() == 4 ? num / 100 : num;
    int mm = d.length() == 4 ? num % 100 : 0;
    if (hh > 18 || mm > 59) {
      return null;
    }
    int total = hh * 60 + mm;
    return t.charAt(0) == '-' ? -total : total;
  }

  private static int month(String t) {
    String p = t.substring(0, 3);
    for (int i = 0; i < MONTHS.length; i++) {
      if (MONTHS[i].equals(p)) {
        return i + 1;
      }
    }
    return -1;
  }

  /** A non-negative number of at most {@code maxDigits} digits, or -1. */
  private static int number(String s, int maxDigits) {
    if (s.isEmpty() || s.length() > maxDigits) {
      return -1;
    }
    int v = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }
}
