package io.imapsync.publish;

/** The write was refused: another owner holds the account now. The writer must stop. */
public final class StaleEpochException extends RuntimeException {
  public StaleEpochException(String message) {
    super(message);
  }
}
