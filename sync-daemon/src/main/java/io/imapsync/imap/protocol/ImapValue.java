package io.imapsync.imap.protocol;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A generic IMAP data item, for the parts of a response we keep structured but untyped
 * (ENVELOPE and BODYSTRUCTURE before their typed views, unknown FETCH items). Strings keep their
 * octets: a literal may carry any charset, and only the consumer knows which.
 */
public sealed interface ImapValue {

  record Atom(String value) implements ImapValue {}

  /** A quoted string or literal. {@code binary} is true for a {@code ~{n}} literal. */
  record Str(byte[] bytes, boolean binary) implements ImapValue {
    public String utf8() {
      return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return "Str[" + bytes.length + " octets]";
    }
  }

  record Nil() implements ImapValue {}

  record ListValue(List<ImapValue> items) implements ImapValue {}

  Nil NIL = new Nil();

  /** The text of an atom or string, or null for NIL; lists have no text. */
  default String text() {
    return switch (this) {
      case Atom a -> a.value();
      case Str s -> s.utf8();
      case Nil n -> null;
      case ListValue l -> throw new ImapSyntaxException("expected a string, got a list");
    };
  }
}
