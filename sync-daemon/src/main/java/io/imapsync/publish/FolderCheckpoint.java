package io.imapsync.publish;

/**
 * How far a folder is mirrored: everything below {@code uidNext} under {@code uidValidity} is in
 * Redis. Written in the same atomic step as the data it covers. -1 = unknown.
 */
public record FolderCheckpoint(long uidValidity, long uidNext, long highestModSeq) {
  public static final FolderCheckpoint NONE = new FolderCheckpoint(-1, -1, -1);

  public boolean isNone() {
    return uidValidity < 0;
  }
}
