package io.imapsync.loadsim;

import java.util.List;
import java.util.Locale;

/**
 * A client command: tag, name (upper case; {@code UID FETCH} for the UID forms) and arguments as
 * generic tokens. Each command checks its own arguments; the tokens know nothing of commands.
 */
record Command(String tag, String name, List<Arg> args) {

  /** An argument token. */
  sealed interface Arg {
    /** The text of an atom or string; a list has none. */
    String text();
  }

  /** An atom, possibly with a {@code [section]<partial>} part ({@code BODY.PEEK[HEADER]}); also NIL. */
  record Atom(String text) implements Arg {
    boolean is(String word) {
      return text.equalsIgnoreCase(word);
    }

    String upper() {
      return text.toUpperCase(Locale.ROOT);
    }
  }

  /** A quoted string or a literal, as UTF-8 text. */
  record Str(String text) implements Arg {}

  /** A parenthesized list. */
  record ListArg(List<Arg> items) implements Arg {
    @Override
    public String text() {
      throw new CommandSyntaxException("expected a string or atom, got a list");
    }
  }

  Arg arg(int i) {
    if (i >= args.size()) {
      throw new CommandSyntaxException(name + " needs more arguments");
    }
    return args.get(i);
  }

  /** An astring argument (atom, quoted or literal): mailbox names, user names, passwords. */
  String astring(int i) {
    Arg a = arg(i);
    if (a instanceof ListArg) {
      throw new CommandSyntaxException(name + ": argument " + (i + 1) + " must be a string");
    }
    return a.text();
  }

  Atom atom(int i) {
    if (!(arg(i) instanceof Atom a)) {
      throw new CommandSyntaxException(name + ": argument " + (i + 1) + " must be an atom");
    }
    return a;
  }

  void requireArgs(int min, int max) {
    if (args.size() < min || args.size() > max) {
      throw new CommandSyntaxException(name + " takes " + (min == max ? min : min + " to " + max)
          + " arguments, got " + args.size());
    }
  }

  /** Never shows arguments: they may hold a password. */
  @Override
  public String toString() {
    return tag + " " + name + " (" + args.size() + " arguments)";
  }
}
