package io.imapsync.loadsim;

/** A command that does not parse; answered with BAD, the connection stays usable. */
final class CommandSyntaxException extends RuntimeException {
  CommandSyntaxException(String message) {
    super(message, null, false, false);
  }
}
