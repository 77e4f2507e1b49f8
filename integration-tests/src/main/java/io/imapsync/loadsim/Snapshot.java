package io.imapsync.loadsim;

import java.util.Arrays;

/**
 * The messages a command works on, copied out of a {@link Folder} under its lock so that
 * generating and writing them happens without it: sequence number (in the session's view), UID,
 * flags, MODSEQ, delivery stamp. Sized to the messages chosen, dropped with the command.
 */
final class Snapshot {
  int size;
  int[] seq = new int[8];
  int[] uid = new int[8];
  byte[] flags = new byte[8];
  long[] modSeq = new long[8];
  long[] stamp = new long[8];

  void add(int seqNumber, Folder f, int index) {
    if (size == seq.length) {
      int cap = size * 2;
      seq = Arrays.copyOf(seq, cap);
      uid = Arrays.copyOf(uid, cap);
      flags = Arrays.copyOf(flags, cap);
      modSeq = Arrays.copyOf(modSeq, cap);
      stamp = Arrays.copyOf(stamp, cap);
    }
    seq[size] = seqNumber;
    uid[size] = f.uidAt(index);
    flags[size] = (byte) f.flagsAt(index);
    modSeq[size] = f.modSeqAt(index);
    stamp[size] = f.stampAt(index);
    size++;
  }
}
