package io.imapsync.sync;

/** A step of a sync chain whose connection has been replaced: the chain stops quietly. */
final class StaleSessionException extends RuntimeException {
  StaleSessionException() {
    super("the connection this step belongs to was replaced", null, false, false);
  }
}
