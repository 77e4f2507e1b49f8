package io.imapsync.loadsim;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses one framed command ({@link CommandFrameDecoder}) into a {@link Command}: the generic
 * token level of RFC 9051 §9 (atoms, quoted strings, literals, parenthesized lists), with the
 * {@code [section]<partial>} suffix of FETCH items kept inside the atom. Lists nest at most
 * {@value #MAX_DEPTH} deep.
 */
final class CommandParser {
  static final int MAX_DEPTH = 8;

  private final byte[] b;
  private int pos;

  private CommandParser(byte[] bytes) {
    this.b = bytes;
  }

  /** command = tag SP (command-any / command-auth / command-nonauth / command-select) CRLF */
  static Command parse(ByteBuf frame) {
    return new CommandParser(ByteBufUtil.getBytes(frame)).command();
  }

  static Command parse(String line) {
    return new CommandParser(line.getBytes(StandardCharsets.UTF_8)).command();
  }

  /** The first word of a frame that did not parse, to tag the BAD with; "*" when there is none. */
  static String tagOf(ByteBuf frame) {
    int n = Math.min(frame.readableBytes(), 64);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      byte c = frame.getByte(frame.readerIndex() + i);
      if (!isTagChar(c)) {
        break;
      }
      sb.append((char) c);
    }
    return sb.isEmpty() ? "*" : sb.toString();
  }

  /** A frame as one line of text without its line end (DONE, a SASL response). */
  static String line(ByteBuf frame) {
    int n = frame.readableBytes();
    while (n > 0 && (frame.getByte(frame.readerIndex() + n - 1) == '\n' || frame.getByte(frame.readerIndex() + n - 1) == '\r')) {
      n--;
    }
    return frame.toString(frame.readerIndex(), n, StandardCharsets.UTF_8);
  }

  private Command command() {
    String tag = tag();
    expect(' ');
    String name = atomText().toUpperCase(Locale.ROOT);
    if (name.isEmpty()) {
      throw new CommandSyntaxException("missing command name");
    }
    if (name.equals("UID")) {
      expect(' ');
      name = "UID " + atomText().toUpperCase(Locale.ROOT);
    }
    List<Command.Arg> args = new ArrayList<>();
    while (pos < b.length && b[pos] == ' ') {
      pos++;
      args.add(arg(0));
    }
    endOfLine();
    return new Command(tag, name, List.copyOf(args));
  }

  /** tag = 1*<any ASTRING-CHAR except "+"> */
  private String tag() {
    int start = pos;
    while (pos < b.length && isTagChar(b[pos])) {
      pos++;
    }
    if (pos == start) {
      throw new CommandSyntaxException("missing tag");
    }
    return new String(b, start, pos - start, StandardCharsets.US_ASCII);
  }

  private static boolean isTagChar(byte c) {
    return c > 0x20 && c < 0x7f && c != '(' && c != ')' && c != '{' && c != '%' && c != '*' && c != '"'
        && c != '\\' && c != '+';
  }

  private Command.Arg arg(int depth) {
    if (pos >= b.length) {
      throw new CommandSyntaxException("unexpected end of command");
    }
    byte c = b[pos];
    if (c == '(') {
      if (depth >= MAX_DEPTH) {
        throw new CommandSyntaxException("list nesting (" + (depth + 1) + ") exceeds the allowed maximum (" + MAX_DEPTH + ")");
      }
      pos++;
      List<Command.Arg> items = new ArrayList<>();
      while (true) {
        if (pos >= b.length) {
          throw new CommandSyntaxException("unterminated list");
        }
        if (b[pos] == ')') {
          pos++;
          return new Command.ListArg(List.copyOf(items));
        }
        if (!items.isEmpty()) {
          expect(' ');
        }
        items.add(arg(depth + 1));
      }
    }
    if (c == '"') {
      return new Command.Str(quoted());
    }
    if (c == '{') {
      return new Command.Str(literal());
    }
    String atom = atomText();
    if (atom.isEmpty()) {
      throw new CommandSyntaxException("unexpected character '" + (char) c + "'");
    }
    return new Command.Atom(atom);
  }

  /** quoted = DQUOTE *QUOTED-CHAR DQUOTE; QUOTED-CHAR = <any TEXT-CHAR except quoted-specials> / "\" quoted-specials */
  private String quoted() {
    pos++;
    java.io.ByteArrayOutputStream raw = new java.io.ByteArrayOutputStream();
    while (true) {
      if (pos >= b.length || b[pos] == '\r' || b[pos] == '\n') {
        throw new CommandSyntaxException("unterminated quoted string");
      }
      byte c = b[pos++];
      if (c == '"') {
        break;
      }
      if (c == '\\') {
        if (pos >= b.length || (b[pos] != '"' && b[pos] != '\\')) {
          throw new CommandSyntaxException("bad escape in quoted string");
        }
        c = b[pos++];
      }
      raw.write(c);
    }
    // UTF-8 is allowed in quoted strings (RFC 9051); bytes first so multi-byte chars survive.
    return raw.toString(StandardCharsets.UTF_8);
  }

  /** literal = "{" number64 ["+"] "}" CRLF *CHAR8 (the framer has checked the size and waited for the octets) */
  private String literal() {
    int close = pos;
    while (close < b.length && b[close] != '}') {
      close++;
    }
    String spec = new String(b, pos + 1, Math.max(0, close - pos - 1), StandardCharsets.US_ASCII);
    if (spec.endsWith("+")) {
      spec = spec.substring(0, spec.length() - 1);
    }
    if (spec.isEmpty() || spec.length() > 10 || !spec.chars().allMatch(Character::isDigit)) {
      throw new CommandSyntaxException("bad literal size");
    }
    long n = Long.parseLong(spec);
    pos = close + 1;
    if (pos < b.length && b[pos] == '\r') {
      pos++;
    }
    if (pos >= b.length || b[pos] != '\n') {
      throw new CommandSyntaxException("literal size must end the line");
    }
    pos++;
    if (n > b.length - pos) {
      throw new CommandSyntaxException("literal shorter than declared");
    }
    String s = new String(b, pos, (int) n, StandardCharsets.UTF_8);
    pos += (int) n;
    return s;
  }

  /**
   * An atom, and inside it a bracketed section taken whole, spaces and lists included
   * ({@code BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.100>}).
   */
  private String atomText() {
    int start = pos;
    while (pos < b.length) {
      byte c = b[pos];
      if (c == '[') {
        while (pos < b.length && b[pos] != ']' && b[pos] != '\r' && b[pos] != '\n') {
          pos++;
        }
        if (pos >= b.length || b[pos] != ']') {
          throw new CommandSyntaxException("unterminated section");
        }
        pos++;
        continue;
      }
      if (c <= 0x20 || c >= 0x7f || c == '(' || c == ')' || c == '{' || c == '"') {
        break;
      }
      pos++;
    }
    return new String(b, start, pos - start, StandardCharsets.US_ASCII);
  }

  private void expect(char c) {
    if (pos >= b.length || b[pos] != c) {
      throw new CommandSyntaxException("expected '" + c + "' at offset " + pos);
    }
    pos++;
  }

  private void endOfLine() {
    if (pos < b.length && b[pos] == '\r') {
      pos++;
    }
    if (pos < b.length && b[pos] == '\n') {
      pos++;
    }
    if (pos != b.length) {
      throw new CommandSyntaxException("unexpected '" + (char) b[pos] + "' at offset " + pos);
    }
  }
}
