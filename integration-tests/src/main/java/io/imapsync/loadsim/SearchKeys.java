package io.imapsync.loadsim;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * SEARCH criteria (RFC 9051 §6.4.4, RFC 7162 MODSEQ), parsed into a tree of {@link Key}s and
 * evaluated per message. Flags, sequence and UID sets, MODSEQ, dates and sizes come from the
 * snapshot; header and text keys generate the message (a substring match, case-insensitive).
 */
final class SearchKeys {
  private SearchKeys() {}

  private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("d-MMM-yyyy", Locale.ENGLISH);

  /** What a key sees of one message; the message itself is generated only when asked for. */
  interface Candidate {
    int seq();

    long uid();

    int flags();

    long modSeq();

    long dateSeconds();

    Message message();
  }

  sealed interface Key {
    boolean matches(Candidate c);
  }

  record All() implements Key {
    public boolean matches(Candidate c) {
      return true;
    }
  }

  record HasFlag(int bit, boolean set) implements Key {
    public boolean matches(Candidate c) {
      return ((c.flags() & bit) != 0) == set;
    }
  }

  record Not(Key key) implements Key {
    public boolean matches(Candidate c) {
      return !key.matches(c);
    }
  }

  record Or(Key a, Key b) implements Key {
    public boolean matches(Candidate c) {
      return a.matches(c) || b.matches(c);
    }
  }

  record And(List<Key> keys) implements Key {
    public boolean matches(Candidate c) {
      for (Key k : keys) {
        if (!k.matches(c)) {
          return false;
        }
      }
      return true;
    }
  }

  /** A UID set ({@code uid}) or a sequence set, {@code *} resolved when the search starts. */
  record InSet(NumberSet set, boolean uid, NumberSet.Resolved[] resolved) implements Key {
    public boolean matches(Candidate c) {
      return resolved[0].contains(uid ? c.uid() : c.seq());
    }
  }

  record ModSeqAtLeast(long modSeq) implements Key {
    public boolean matches(Candidate c) {
      return c.modSeq() >= modSeq;
    }
  }

  /** {@code cmp} &lt; 0 BEFORE, 0 ON, &gt; 0 SINCE; on the internal date's UTC day. */
  record Date(long dayStartSeconds, int cmp) implements Key {
    public boolean matches(Candidate c) {
      long d = c.dateSeconds();
      return cmp < 0 ? d < dayStartSeconds : cmp == 0 ? d >= dayStartSeconds && d < dayStartSeconds + 86_400
          : d >= dayStartSeconds;
    }
  }

  record Size(long octets, boolean larger) implements Key {
    public boolean matches(Candidate c) {
      int n = c.message().raw().length;
      return larger ? n > octets : n < octets;
    }
  }

  /** {@code header} null: anywhere in the message (TEXT); "" : in the body (BODY). */
  record Contains(String header, String needle) implements Key {
    public boolean matches(Candidate c) {
      Message m = c.message();
      String needleLower = needle.toLowerCase(Locale.ROOT);
      if (header == null) {
        return new String(m.raw(), StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT).contains(needleLower);
      }
      if (header.isEmpty()) {
        return new String(m.raw(), m.headerLength(), m.raw().length - m.headerLength(), StandardCharsets.ISO_8859_1)
            .toLowerCase(Locale.ROOT).contains(needleLower);
      }
      String head = new String(m.raw(), 0, m.headerLength(), StandardCharsets.ISO_8859_1);
      for (String line : head.replace("\r\n\t", " ").replace("\r\n ", " ").split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(header)
            && line.substring(colon + 1).toLowerCase(Locale.ROOT).contains(needleLower)) {
          return true;
        }
      }
      return false;
    }
  }

  /** The parsed criteria and whether MODSEQ was among them (the response then names the highest). */
  record Parsed(Key key, boolean modSeq, List<InSet> sets) {}

  /** search = ["CHARSET" SP charset SP] search-key *(SP search-key); {@code args} from {@code from}. */
  static Parsed parse(List<Command.Arg> args, int from) {
    Cursor c = new Cursor(args, from);
    if (c.peekAtom("CHARSET")) {
      c.next();
      String cs = c.next().text().toUpperCase(Locale.ROOT);
      if (!cs.equals("UTF-8") && !cs.equals("US-ASCII")) {
        throw new BadCharsetException();
      }
    }
    List<Key> keys = new ArrayList<>();
    while (c.has()) {
      keys.add(key(c, 0));
    }
    if (keys.isEmpty()) {
      throw new CommandSyntaxException("SEARCH needs criteria");
    }
    return new Parsed(keys.size() == 1 ? keys.get(0) : new And(keys), c.modSeq, c.sets);
  }

  /** A charset other than UTF-8 or US-ASCII: answered with NO [BADCHARSET]. */
  static final class BadCharsetException extends RuntimeException {
    BadCharsetException() {
      super("only UTF-8 and US-ASCII", null, false, false);
    }
  }

  private static Key key(Cursor c, int depth) {
    if (depth > CommandParser.MAX_DEPTH * 4) {
      throw new CommandSyntaxException("search criteria nest too deep");
    }
    Command.Arg a = c.next();
    if (a instanceof Command.ListArg list) {
      Cursor inner = new Cursor(list.items(), 0);
      inner.sets = c.sets;
      List<Key> keys = new ArrayList<>();
      while (inner.has()) {
        keys.add(key(inner, depth + 1));
      }
      c.modSeq |= inner.modSeq;
      if (keys.isEmpty()) {
        throw new CommandSyntaxException("empty search list");
      }
      return new And(keys);
    }
    if (!(a instanceof Command.Atom atom)) {
      throw new CommandSyntaxException("unexpected string in search criteria");
    }
    String k = atom.upper();
    return switch (k) {
      case "ALL" -> new All();
      case "SEEN" -> new HasFlag(Flag.SEEN.bit(), true);
      case "UNSEEN" -> new HasFlag(Flag.SEEN.bit(), false);
      case "ANSWERED" -> new HasFlag(Flag.ANSWERED.bit(), true);
      case "UNANSWERED" -> new HasFlag(Flag.ANSWERED.bit(), false);
      case "FLAGGED" -> new HasFlag(Flag.FLAGGED.bit(), true);
      case "UNFLAGGED" -> new HasFlag(Flag.FLAGGED.bit(), false);
      case "DELETED" -> new HasFlag(Flag.DELETED.bit(), true);
      case "UNDELETED" -> new HasFlag(Flag.DELETED.bit(), false);
      case "DRAFT" -> new HasFlag(Flag.DRAFT.bit(), true);
      case "UNDRAFT" -> new HasFlag(Flag.DRAFT.bit(), false);
      case "NEW", "RECENT" -> new Not(new All()); // no session ever sees \Recent here
      case "OLD" -> new All();
      case "NOT" -> new Not(key(c, depth + 1));
      case "OR" -> new Or(key(c, depth + 1), key(c, depth + 1));
      case "UID" -> c.set(NumberSet.parse(c.next().text()), true);
      case "MODSEQ" -> {
        // MODSEQ [entry-name SP entry-type-req SP] mod-sequence-valzer
        if (c.peekString()) {
          c.next();
          c.next();
        }
        c.modSeq = true;
        yield new ModSeqAtLeast(number(c.next().text()));
      }
      case "BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE" -> {
        // The Date header is the internal date for every message here, so SENT* is the same.
        String kind = k.startsWith("SENT") ? k.substring(4) : k;
        yield new Date(day(c.next().text()), kind.equals("BEFORE") ? -1 : kind.equals("ON") ? 0 : 1);
      }
      case "LARGER" -> new Size(number(c.next().text()), true);
      case "SMALLER" -> new Size(number(c.next().text()), false);
      case "FROM", "TO", "CC", "BCC", "SUBJECT" -> new Contains(k, c.next().text());
      case "HEADER" -> new Contains(c.next().text(), c.next().text());
      case "BODY" -> new Contains("", c.next().text());
      case "TEXT" -> new Contains(null, c.next().text());
      case "KEYWORD" -> {
        c.next();
        yield new Not(new All()); // keywords are never stored
      }
      case "UNKEYWORD" -> {
        c.next();
        yield new All();
      }
      default -> {
        if (!k.isEmpty() && (Character.isDigit(k.charAt(0)) || k.charAt(0) == '*')) {
          yield c.set(NumberSet.parse(k), false);
        }
        throw new CommandSyntaxException("unsupported search key " + atom.text());
      }
    };
  }

  private static long number(String s) {
    if (s.isEmpty() || s.length() > 19 || !s.chars().allMatch(Character::isDigit)) {
      throw new CommandSyntaxException("expected a number: " + s);
    }
    return Long.parseLong(s);
  }

  private static long day(String s) {
    try {
      return LocalDate.parse(s, DATE).atStartOfDay(ZoneOffset.UTC).toEpochSecond();
    } catch (DateTimeParseException e) {
      throw new CommandSyntaxException("bad date " + s);
    }
  }

  private static final class Cursor {
    private final List<Command.Arg> args;
    private int i;
    boolean modSeq;
    List<InSet> sets = new ArrayList<>();

    Cursor(List<Command.Arg> args, int from) {
      this.args = args;
      this.i = from;
    }

    boolean has() {
      return i < args.size();
    }

    Command.Arg next() {
      if (i >= args.size()) {
        throw new CommandSyntaxException("search criteria end too early");
      }
      return args.get(i++);
    }

    boolean peekAtom(String word) {
      return i < args.size() && args.get(i) instanceof Command.Atom a && a.is(word);
    }

    boolean peekString() {
      return i < args.size() && args.get(i) instanceof Command.Str;
    }

    InSet set(NumberSet s, boolean uid) {
      InSet k = new InSet(s, uid, new NumberSet.Resolved[1]);
      sets.add(k);
      return k;
    }
  }
}
