package io.imapsync.imap.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One command, encoded, without its tag. It is split into segments at each synchronizing literal:
 * the session writes a segment, waits for the server's "+", then writes the next. With LITERAL+
 * (or LITERAL- for literals up to 4096 octets) there is a single segment.
 *
 * <p>{@link #name()} is all that is ever logged: arguments may hold credentials or addresses.
 */
public final class ImapCommand {
  private final String name;
  private final List<byte[]> segments;

  private ImapCommand(String name, List<byte[]> segments) {
    this.name = name;
    this.segments = List.copyOf(segments);
  }

  public String name() {
    return name;
  }

  /** Segments to write in order; every one but the last ends in a synchronizing literal header. */
  public List<byte[]> segments() {
    return segments;
  }

  public boolean isIdle() {
    return name.equals("IDLE");
  }

  @Override
  public String toString() {
    return "ImapCommand[" + name + "]";
  }

  /** How literals may be sent, from the server's capabilities. */
  public enum LiteralMode {
    SYNCHRONIZING, LITERAL_PLUS, LITERAL_MINUS;

    public boolean nonSynchronizing(long size) {
      return this == LITERAL_PLUS || (this == LITERAL_MINUS && size <= 4096);
    }
  }

  public static Builder builder(String name, LiteralMode literals, boolean utf8Accepted) {
    return new Builder(name, literals, utf8Accepted);
  }

  /** Builds a command; rejects CR, LF and NUL wherever a literal cannot carry them. */
  public static final class Builder {
    private final String name;
    private final LiteralMode literals;
    private final boolean utf8;
    private final List<byte[]> segments = new ArrayList<>();
    private final ByteArrayOutputStream current = new ByteArrayOutputStream(64);

    private Builder(String name, LiteralMode literals, boolean utf8) {
      this.name = name;
      this.literals = literals;
      this.utf8 = utf8;
      raw(name);
    }

    /** Appends protocol text we control (command names, item lists, UID sets). */
    public Builder raw(String text) {
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (c == '\r' || c == '\n' || c == 0 || c > 0x7e) {
          throw new IllegalArgumentException("illegal character in protocol text of " + name);
        }
      }
      current.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
      return this;
    }

    public Builder sp() {
      current.write(' ');
      return this;
    }

    /** astring: an atom when safe, else a quoted string, else a literal. */
    public Builder astring(String value) {
      byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
      if (isAtom(bytes)) {
        current.writeBytes(bytes);
      } else if (isQuotable(bytes)) {
        current.write('"');
        for (byte b : bytes) {
          if (b == '"' || b == '\\') {
            current.write('\\');
          }
          current.write(b);
        }
        current.write('"');
      } else {
        literal(bytes);
      }
      return this;
    }

    /** Always a quoted string (ID parameters, LIST's empty reference); literal if it cannot be quoted. */
    public Builder quoted(String value) {
      byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
      if (!isQuotable(bytes)) {
        return literal(bytes);
      }
      current.write('"');
      for (byte b : bytes) {
        if (b == '"' || b == '\\') {
          current.write('\\');
        }
        current.write(b);
      }
      current.write('"');
      return this;
    }

    /** A mailbox name: modified UTF-7 unless UTF8=ACCEPT is enabled. */
    public Builder mailbox(String name) {
      return astring(utf8 ? name : ModifiedUtf7.encode(name));
    }

    public Builder literal(byte[] bytes) {
      for (byte b : bytes) {
        if (b == 0) {
          throw new IllegalArgumentException("NUL cannot be sent in a literal of " + name);
        }
      }
      boolean nonSync = literals.nonSynchronizing(bytes.length);
      current.writeBytes(("{" + bytes.length + (nonSync ? "+" : "") + "}\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      if (!nonSync) {
        segments.add(current.toByteArray());
        current.reset();
      }
      current.writeBytes(bytes);
      return this;
    }

    public ImapCommand build() {
      current.writeBytes(new byte[] {'\r', '\n'});
      segments.add(current.toByteArray());
      return new ImapCommand(name, segments);
    }

    private static boolean isAtom(byte[] bytes) {
      if (bytes.length == 0) {
        return false;
      }
      for (byte b : bytes) {
        if (b <= 0x20 || b >= 0x7f || b == '(' || b == ')' || b == '{' || b == '%' || b == '*'
            || b == '"' || b == '\\' || b == ']') {
          return false;
        }
      }
      return true;
    }

    private boolean isQuotable(byte[] bytes) {
      for (byte b : bytes) {
        if (b == '\r' || b == '\n' || b == 0 || (b < 0 && !utf8)) {
          return false;
        }
      }
      return bytes.length < 1024;
    }
  }
}
