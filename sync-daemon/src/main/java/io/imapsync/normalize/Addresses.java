package io.imapsync.normalize;

import io.imapsync.model.EmailAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A lenient, single-pass parser for RFC 5322 address lists (From, To, Cc, ...), written for
 * hostile input rather than taken from mime4j, whose parser keeps NUL and newlines in names, drops
 * the old {@code addr (Full Name)} form, and turns {@code ;;;a@b;;;} into one bogus address.
 *
 * <ul>
 *   <li>{@code Name <addr>}, {@code "Quoted, Name" <addr>}, bare {@code addr}, {@code addr (Name)},
 *       groups ({@code team: a@b, c@d;}, members kept, the group name dropped), routes
 *       ({@code <@relay:a@b>}, the route dropped).
 *   <li>{@code ,} and {@code ;} both separate addresses outside a group, so endless semicolons
 *       (CVE-2021-3181) produce nothing, cheaply. Unterminated quotes, comments and angle brackets
 *       end at the end of the field (quotes, comments) or at the next comma (brackets).
 *   <li>Display names are RFC 2047 decoded, also inside quotes (against the RFC, as every client
 *       does), then cleaned by {@link Text#line}: no control character (Mailsploit) and no bidi
 *       override reaches the output. Addresses lose controls and white space (except inside a
 *       quoted local part); the domain is lower-cased.
 * </ul>
 * Linear in the input; stops after {@code max} addresses.
 */
final class Addresses {
  private Addresses() {}

  /** Result of one field: the addresses and whether the cap stopped the parse. */
  record Parsed(List<EmailAddress> addresses, boolean capped) {}

  static Parsed parse(String value, String header, int max, int maxNameChars, Warnings warnings) {
    List<EmailAddress> out = new ArrayList<>();
    if (value == null || value.isBlank() || max <= 0) {
      return new Parsed(out, max <= 0 && value != null && !value.isBlank());
    }
    Parser p = new Parser(value, header, maxNameChars, warnings);
    boolean capped = p.run(out, max);
    if (p.controlsInName) {
      warnings.add(WarningKind.ADDRESS, "control characters removed from a " + header + " display name");
    }
    if (p.controlsInAddress) {
      warnings.add(WarningKind.ADDRESS, "control characters removed from a " + header + " address");
    }
    if (p.empty > 1) {
      warnings.add(WarningKind.ADDRESS, header + " header has empty list elements (stray ',' or ';')");
    }
    return new Parsed(out, capped);
  }

  private static final class Parser {
    private final String s;
    private final String header;
    private final int maxNameChars;
    private final Warnings warnings;
    private boolean controlsInName;
    private boolean controlsInAddress;
    private boolean inGroup;
    private int empty; // list elements with nothing in them: "a@b,,;;c@d"

    // the address being collected
    private final StringBuilder phrase = new StringBuilder(); // words before '<' (display name)
    private final StringBuilder bare = new StringBuilder();   // the same, without spaces: an addr-spec
    private boolean bareHasSpace;                             // words were separated by white space
    private boolean bareHasAt;                                // an '@' outside quotes
    private boolean phraseQuoted;                             // a quoted string was among the words
    private String angle;                                     // inside <...>, or null
    private String comment;                                   // the last comment, for addr (Name)

    Parser(String s, String header, int maxNameChars, Warnings warnings) {
      this.s = s;
      this.header = header;
      this.maxNameChars = maxNameChars;
      this.warnings = warnings;
    }

    /** Returns true when {@code max} stopped it with input left. */
    boolean run(List<EmailAddress> out, int max) {
      int n = s.length();
      int i = 0;
      boolean spaceBefore = false;
      while (i < n) {
        char c = s.charAt(i);
        switch (c) {
          case ',', ';' -> {
            boolean groupEnd = c == ';' && inGroup;
            if (groupEnd) {
              inGroup = false;
            }
            if (finish(out)) {
              if (out.size() >= max) {
                return hasMore(i + 1);
              }
            } else if (!groupEnd) {
              empty++;
            }
            i++;
          }
          case ':' -> {
            // group name (no '<' seen yet): the words so far name the group and are dropped
            if (angle == null) {
              reset();
              inGroup = true;
            }
            i++;
          }
          case '"' -> {
            int end = i + 1;
            StringBuilder q = new StringBuilder();
            boolean closed = false;
            while (end < n) {
              char ch = s.charAt(end);
              if (ch == '\\' && end + 1 < n) {
                q.append(s.charAt(end + 1));
                end += 2;
                continue;
              }
              if (ch == '"') {
                closed = true;
                break;
              }
              q.append(ch);
              end++;
            }
            if (!closed) {
              warnings.add(WarningKind.ADDRESS, "unterminated quoted string in " + header);
            }
            word(q.toString(), spaceBefore, true);
            spaceBefore = false;
            i = closed ? end + 1 : n;
          }
          case '(' -> {
            int depth = 0;
            int end = i;
            StringBuilder text = new StringBuilder();
            while (end < n) {
              char ch = s.charAt(end);
              if (ch == '\\' && end + 1 < n) {
                text.append(s.charAt(end + 1));
                end += 2;
                continue;
              }
              if (ch == '(') {
                if (depth > 0) {
                  text.append(ch);
                }
                depth++;
              } else if (ch == ')') {
                depth--;
                if (depth == 0) {
                  break;
                }
                text.append(ch);
              } else {
                text.append(ch);
              }
              end++;
            }
            comment = text.toString();
            i = end < n ? end + 1 : n;
            spaceBefore = true;
          }
          case '<' -> {
            // up to '>' (a route "<@a,@b:x@y>" holds commas), but never past the next '<'; when
            // unterminated, up to the next comma
            int end = i + 1;
            int firstComma = -1;
            while (end < n && s.charAt(end) != '>' && s.charAt(end) != '<') {
              if (firstComma < 0 && s.charAt(end) == ',') {
                firstComma = end;
              }
              end++;
            }
            if (end >= n || s.charAt(end) != '>') {
              warnings.add(WarningKind.ADDRESS, "unterminated angle address in " + header);
              if (firstComma >= 0) {
                end = firstComma;
              }
            }
            if (angle == null) {
              angle = s.substring(i + 1, end);
            }
            i = end < n && s.charAt(end) == '>' ? end + 1 : end;
            spaceBefore = true;
          }
          case ' ', '\t' -> {
            spaceBefore = true;
            i++;
          }
          default -> {
            int end = i;
            while (end < n) {
              char ch = s.charAt(end);
              if (ch == '[') { // domain literal: [IPv6:::1] holds colons
                int close = s.indexOf(']', end);
                end = close < 0 ? n : close + 1;
                continue;
              }
              if ("\",;:()<> \t".indexOf(ch) >= 0) {
                break;
              }
              end++;
            }
            if (end == i) {
              i++; // a stray '>' or ')': skipped
              continue;
            }
            word(s.substring(i, end), spaceBefore, false);
            spaceBefore = false;
            i = end;
          }
        }
      }
      finish(out);
      return false;
    }

    private boolean hasMore(int from) {
      for (int i = from; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c != ',' && c != ';' && c != ' ' && c != '\t') {
          return true;
        }
      }
      return false;
    }

    private void word(String w, boolean spaceBefore, boolean quoted) {
      if (angle != null) {
        return; // text after <addr> (junk, or a trailing comment's words): ignored
      }
      if (phrase.length() > 0 && (spaceBefore || quoted)) {
        phrase.append(' ');
      }
      phrase.append(w);
      if (bare.length() > 0 && spaceBefore) {
        bareHasSpace = true;
      }
      bare.append(quoted ? '"' + w + '"' : w);
      if (!quoted && w.indexOf('@') >= 0) {
        bareHasAt = true;
      }
      phraseQuoted |= quoted;
    }

    private void reset() {
      phrase.setLength(0);
      bare.setLength(0);
      bareHasSpace = false;
      bareHasAt = false;
      phraseQuoted = false;
      angle = null;
      comment = null;
    }

    /** Emits the collected address, if any; true when one was added. */
    private boolean finish(List<EmailAddress> out) {
      try {
        String name;
        String address;
        if (angle != null) {
          name = phrase.length() > 0 ? phrase.toString() : comment;
          address = route(angle);
        } else if (bare.length() == 0) {
          return false;
        } else if (bareHasAt) {
          // an addr-spec; white space inside it ("a b@c d") is obsolete folding: kept as one address
          address = bare.toString();
          name = comment;
        } else if (!bareHasSpace && !phraseQuoted) {
          address = bare.toString(); // a local name: "root", "MAILER-DAEMON"
          name = comment;
        } else {
          name = phrase.toString(); // words without an address
          address = null;
        }
        String cleanName = null;
        if (name != null) {
          boolean[] found = {false};
          cleanName = Text.line(EncodedWords.decode(name, warnings, header), maxNameChars, true, found);
          controlsInName |= found[0];
        }
        String cleanAddress = null;
        if (address != null) {
          boolean[] found = {false};
          String a = cleanAddress(address, found);
          controlsInAddress |= found[0];
          int at = a.lastIndexOf('@');
          if (at >= 0) {
            a = a.substring(0, at + 1) + a.substring(at + 1).toLowerCase(Locale.ROOT);
          }
          if (a.length() > maxNameChars) {
            warnings.add(WarningKind.LIMIT, "an address in " + header + " is longer than " + maxNameChars + " characters; cut");
            a = Text.cut(a, maxNameChars);
          }
          cleanAddress = a.isEmpty() ? null : a;
        }
        if (cleanAddress == null && cleanName == null) {
          return false;
        }
        out.add(new EmailAddress(cleanName, cleanAddress));
        return true;
      } finally {
        reset();
      }
    }

    /** Controls and bidi controls removed; white space removed except inside a quoted local part. */
    private static String cleanAddress(String a, boolean[] found) {
      StringBuilder sb = new StringBuilder(a.length());
      boolean quoted = false;
      for (int i = 0; i < a.length(); i++) {
        char c = a.charAt(i);
        if (Text.isControl(c) && c != '\t' || Text.isBidiControl(c)) {
          found[0] = true;
          continue;
        }
        if (c == '"') {
          quoted = !quoted;
        } else if ((c == ' ' || c == '\t') && !quoted) {
          continue;
        } else if (c == '\t') {
          c = ' ';
        }
        sb.append(c);
      }
      return sb.toString();
    }

    /** {@code @relay1,@relay2:user@host} to {@code user@host}. */
    private static String route(String a) {
      String t = a.strip();
      if (t.startsWith("@")) {
        int colon = t.indexOf(':');
        if (colon >= 0) {
          return t.substring(colon + 1);
        }
      }
      return t;
    }
  }
}
