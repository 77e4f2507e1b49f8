package io.imapsync.loadsim;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * FETCH data items (RFC 9051 §6.4.5, RFC 7162 MODSEQ): parsed from the command's argument into
 * {@link Item}s, and the octets a body section names cut out of a {@link Message}.
 */
final class FetchItems {
  private FetchItems() {}

  static final DateTimeFormatter INTERNALDATE =
      DateTimeFormatter.ofPattern("dd-MMM-yyyy HH:mm:ss Z", Locale.ENGLISH).withZone(ZoneOffset.UTC);

  sealed interface Item {}

  /** The items that are not body sections. */
  enum Attr implements Item { UID, FLAGS, INTERNALDATE, RFC822_SIZE, MODSEQ, ENVELOPE, BODY, BODYSTRUCTURE }

  enum Kind { FULL, HEADER, HEADER_FIELDS, HEADER_FIELDS_NOT, TEXT, PART }

  /**
   * A body section: {@code responseName} is what the response calls it ({@code BODY[HEADER]<0>},
   * {@code RFC822}); {@code setsSeen} for the non-PEEK forms; {@code length} -1 for all from
   * {@code start}, {@code start} -1 when no partial was asked for.
   */
  record Section(String responseName, boolean setsSeen, Kind kind, List<String> fields, long start, long length,
      String part) implements Item {
    Section(String responseName, boolean setsSeen, Kind kind, List<String> fields, long start, long length) {
      this(responseName, setsSeen, kind, fields, start, length, null);
    }
  }

  /** fetch-att / "ALL" / "FULL" / "FAST" / "(" fetch-att *(SP fetch-att) ")" */
  static List<Item> parse(Command.Arg arg) {
    List<Item> out = new ArrayList<>();
    if (arg instanceof Command.ListArg list) {
      if (list.items().isEmpty()) {
        throw new CommandSyntaxException("empty FETCH item list");
      }
      for (Command.Arg a : list.items()) {
        if (!(a instanceof Command.Atom atom)) {
          throw new CommandSyntaxException("FETCH items must be atoms");
        }
        out.add(item(atom.text()));
      }
      return out;
    }
    if (!(arg instanceof Command.Atom atom)) {
      throw new CommandSyntaxException("FETCH items must be atoms");
    }
    switch (atom.upper()) {
      case "ALL" -> out.addAll(List.of(Attr.FLAGS, Attr.INTERNALDATE, Attr.RFC822_SIZE, Attr.ENVELOPE));
      case "FAST" -> out.addAll(List.of(Attr.FLAGS, Attr.INTERNALDATE, Attr.RFC822_SIZE));
      case "FULL" -> out.addAll(List.of(Attr.FLAGS, Attr.INTERNALDATE, Attr.RFC822_SIZE, Attr.ENVELOPE, Attr.BODY));
      default -> out.add(item(atom.text()));
    }
    return out;
  }

  private static Item item(String text) {
    String upper = text.toUpperCase(Locale.ROOT);
    switch (upper) {
      case "UID": return Attr.UID;
      case "FLAGS": return Attr.FLAGS;
      case "INTERNALDATE": return Attr.INTERNALDATE;
      case "RFC822.SIZE": return Attr.RFC822_SIZE;
      case "MODSEQ": return Attr.MODSEQ;
      case "ENVELOPE": return Attr.ENVELOPE;
      case "BODY": return Attr.BODY;
      case "BODYSTRUCTURE": return Attr.BODYSTRUCTURE;
      case "RFC822": return new Section("RFC822", true, Kind.FULL, List.of(), -1, -1);
      case "RFC822.HEADER": return new Section("RFC822.HEADER", false, Kind.HEADER, List.of(), -1, -1);
      case "RFC822.TEXT": return new Section("RFC822.TEXT", true, Kind.TEXT, List.of(), -1, -1);
      default: break;
    }
    boolean peek;
    int open = text.indexOf('[');
    if (upper.startsWith("BODY.PEEK[")) {
      peek = true;
    } else if (upper.startsWith("BODY[") || upper.startsWith("BINARY")) {
      if (upper.startsWith("BINARY")) {
        throw new CommandSyntaxException("BINARY is not offered");
      }
      peek = false;
    } else {
      throw new CommandSyntaxException("unknown FETCH item " + text);
    }
    int close = text.indexOf(']', open);
    String spec = text.substring(open + 1, close);
    String rest = text.substring(close + 1);
    long start = -1;
    long length = -1;
    if (!rest.isEmpty()) {
      // partial = "<" number64 "." nz-number64 ">"
      int dot = rest.indexOf('.');
      if (!rest.startsWith("<") || !rest.endsWith(">") || dot < 0) {
        throw new CommandSyntaxException("bad partial " + rest);
      }
      start = partialNumber(rest.substring(1, dot));
      length = partialNumber(rest.substring(dot + 1, rest.length() - 1));
      if (length == 0) {
        throw new CommandSyntaxException("partial length must not be 0");
      }
    }
    String specUpper = spec.toUpperCase(Locale.ROOT);
    Kind kind;
    List<String> fields = List.of();
    if (specUpper.isEmpty()) {
      kind = Kind.FULL;
    } else if (specUpper.equals("HEADER")) {
      kind = Kind.HEADER;
    } else if (specUpper.equals("TEXT")) {
      kind = Kind.TEXT;
    } else if (specUpper.matches("[1-9][0-9]{0,3}(\\.[1-9][0-9]{0,3}){0,7}(\\.MIME)?")) {
      String name = "BODY[" + spec + "]" + (start >= 0 ? "<" + start + ">" : "");
      return new Section(name, !peek, Kind.PART, List.of(), start, length, specUpper);
    } else if (specUpper.startsWith("HEADER.FIELDS")) {
      kind = specUpper.startsWith("HEADER.FIELDS.NOT") ? Kind.HEADER_FIELDS_NOT : Kind.HEADER_FIELDS;
      int lp = spec.indexOf('(');
      int rp = spec.lastIndexOf(')');
      if (lp < 0 || rp < lp) {
        throw new CommandSyntaxException("HEADER.FIELDS needs a list of field names");
      }
      List<String> names = new ArrayList<>();
      for (String n : spec.substring(lp + 1, rp).trim().split(" +")) {
        if (!n.isEmpty()) {
          names.add(n.replace("\"", ""));
        }
      }
      if (names.isEmpty()) {
        throw new CommandSyntaxException("HEADER.FIELDS needs at least one field name");
      }
      fields = List.copyOf(names);
    } else {
      throw new CommandSyntaxException("section [" + spec + "] is not offered");
    }
    String name = "BODY[" + spec + "]" + (start >= 0 ? "<" + start + ">" : "");
    return new Section(name, !peek, kind, fields, start, length);
  }

  private static long partialNumber(String s) {
    if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(Character::isDigit)) {
      throw new CommandSyntaxException("bad number in partial: " + s);
    }
    return Long.parseLong(s);
  }

  /** The octets section {@code s} names in {@code m}, its partial applied. */
  static byte[] extract(Section s, Message m) {
    byte[] raw = m.raw();
    byte[] whole = switch (s.kind()) {
      case FULL -> raw;
      case HEADER -> slice(raw, 0, m.headerLength());
      case TEXT -> slice(raw, m.headerLength(), raw.length - m.headerLength());
      case HEADER_FIELDS, HEADER_FIELDS_NOT -> headerFields(raw, m.headerLength(), s.fields(), s.kind() == Kind.HEADER_FIELDS);
      case PART -> {
        byte[] part = m.section(s.part());
        yield part == null ? new byte[0] : part; // no such part: empty, as Dovecot answers
      }
    };
    if (s.start() < 0) {
      return whole;
    }
    if (s.start() >= whole.length) {
      return new byte[0];
    }
    int from = (int) s.start();
    int len = (int) Math.min(whole.length - from, s.length());
    return slice(whole, from, len);
  }

  private static byte[] slice(byte[] b, int from, int len) {
    byte[] out = new byte[len];
    System.arraycopy(b, from, out, 0, len);
    return out;
  }

  /** The header fields named (or, with {@code keep} false, not named), then the blank line. */
  private static byte[] headerFields(byte[] raw, int headerLength, List<String> names, boolean keep) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(256);
    int i = 0;
    int end = headerLength;
    // The blank line ending the header is not a field.
    if (end >= 2 && raw[end - 1] == '\n') {
      end -= raw[end - 2] == '\r' ? 2 : 1;
    }
    while (i < end) {
      int fieldStart = i;
      int colon = -1;
      // A field runs over its continuation lines (those starting with a blank).
      int j = i;
      while (true) {
        while (j < end && raw[j] != '\n') {
          if (colon < 0 && raw[j] == ':') {
            colon = j;
          }
          j++;
        }
        j = Math.min(j + 1, end);
        if (j >= end || (raw[j] != ' ' && raw[j] != '\t')) {
          break;
        }
      }
      if (colon > fieldStart) {
        String name = new String(raw, fieldStart, colon - fieldStart, StandardCharsets.US_ASCII).trim();
        boolean named = false;
        for (String n : names) {
          if (n.equalsIgnoreCase(name)) {
            named = true;
            break;
          }
        }
        if (named == keep) {
          out.write(raw, fieldStart, j - fieldStart);
        }
      }
      i = j;
    }
    out.write('\r');
    out.write('\n');
    return out.toByteArray();
  }

  static String internalDate(long epochSeconds) {
    return INTERNALDATE.format(Instant.ofEpochSecond(epochSeconds));
  }
}
