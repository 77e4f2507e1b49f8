package io.imapsync.loadsim;

import java.util.Arrays;

/**
 * One folder of one user: the live messages in UID order as parallel primitive arrays (UID,
 * flags as a byte of {@link Flag} bits, MODSEQ, delivery stamp), UIDNEXT, HIGHESTMODSEQ, and a
 * log of expunges (UID and the MODSEQ of the expunge) from which a session that has not yet been
 * told works out its EXPUNGE responses.
 *
 * <p>A folder nothing has changed yet is <em>pristine</em>: its arrays are null and its messages
 * are the population's initial ones (UIDs 1..n, MODSEQ = UID, flags from {@link Population}), so
 * 100,000 users with 20 messages each cost nothing until touched; the first change materializes
 * about 17 bytes per message.
 *
 * <p>Not thread-safe by itself: every method is called holding this object's monitor. The
 * monitor is held for microseconds (no I/O, no message generation), and contention is between
 * one event loop and the scheduler at most.
 */
final class Folder {
  private static final ServerSession[] NO_WATCHERS = new ServerSession[0];
  private static final int[] NONE = new int[0];

  final int user;
  final int index;
  private final Population population;

  private int count;
  private int[] uids;
  private byte[] flags;
  private int[] modSeqs;
  private long[] stamps;
  private int uidNext;
  private long highestModSeq;

  private int[] expungedUids;
  private int[] expungedModSeqs;
  private int expunged;

  /** Sessions with this folder selected; copied on change, read by whoever notifies. */
  private ServerSession[] watchers = NO_WATCHERS;

  Folder(Population population, int user, int index) {
    this.population = population;
    this.user = user;
    this.index = index;
    this.count = population.initialCount(index);
    this.uidNext = count + 1;
    this.highestModSeq = Math.max(1, count);
  }

  int count() {
    return count;
  }

  int uidNext() {
    return uidNext;
  }

  long highestModSeq() {
    return highestModSeq;
  }

  long uidValidity() {
    return population.uidValidity(index);
  }

  int uidAt(int i) {
    return uids == null ? i + 1 : uids[i];
  }

  int flagsAt(int i) {
    return flags == null ? population.initialFlags(user, index, i + 1) : flags[i];
  }

  long modSeqAt(int i) {
    return modSeqs == null ? i + 1 : modSeqs[i];
  }

  /** The delivery stamp (epoch micros) of the message at {@code i}, 0 for an initial message. */
  long stampAt(int i) {
    return stamps == null ? 0 : stamps[i];
  }

  /** Index of the live message with this UID, or -1. */
  int indexOf(long uid) {
    if (uid < 1 || uid >= uidNext) {
      return -1;
    }
    if (uids == null) {
      return (int) uid - 1;
    }
    int i = Arrays.binarySearch(uids, 0, count, (int) uid);
    return i >= 0 ? i : -1;
  }

  /** How many live messages have a UID below {@code uid}. */
  int countBelow(long uid) {
    if (uids == null) {
      return (int) Math.max(0, Math.min(count, uid - 1));
    }
    if (uid > Integer.MAX_VALUE) {
      return count;
    }
    int i = Arrays.binarySearch(uids, 0, count, (int) uid);
    return i >= 0 ? i : -i - 1;
  }

  int unseen() {
    int n = 0;
    for (int i = 0; i < count; i++) {
      if ((flagsAt(i) & Flag.SEEN.bit()) == 0) {
        n++;
      }
    }
    return n;
  }

  /** Index of the first message without \Seen, or -1. */
  int firstUnseen() {
    for (int i = 0; i < count; i++) {
      if ((flagsAt(i) & Flag.SEEN.bit()) == 0) {
        return i;
      }
    }
    return -1;
  }

  /** Appends a message; returns its index. */
  int deliver(long stampMicros) {
    materialize(count + 1);
    if (stamps == null) {
      stamps = new long[uids.length];
    }
    int i = count++;
    uids[i] = uidNext++;
    flags[i] = 0;
    modSeqs[i] = nextModSeq();
    stamps[i] = stampMicros;
    return i;
  }

  /** Sets the flags of the message at {@code i}; returns its new MODSEQ, or -1 if nothing changed. */
  long store(int i, int newBits) {
    if (flagsAt(i) == newBits) {
      return -1;
    }
    materialize(count);
    flags[i] = (byte) newBits;
    modSeqs[i] = nextModSeq();
    return modSeqs[i];
  }

  /** Removes the message at {@code i}; returns the MODSEQ of the expunge. */
  long expungeAt(int i) {
    materialize(count);
    int uid = uids[i];
    int tail = count - i - 1;
    System.arraycopy(uids, i + 1, uids, i, tail);
    System.arraycopy(flags, i + 1, flags, i, tail);
    System.arraycopy(modSeqs, i + 1, modSeqs, i, tail);
    if (stamps != null) {
      System.arraycopy(stamps, i + 1, stamps, i, tail);
    }
    count--;
    int modSeq = nextModSeq();
    if (expungedUids == null) {
      expungedUids = new int[4];
      expungedModSeqs = new int[4];
    } else if (expunged == expungedUids.length) {
      expungedUids = Arrays.copyOf(expungedUids, expunged * 2);
      expungedModSeqs = Arrays.copyOf(expungedModSeqs, expunged * 2);
    }
    expungedUids[expunged] = uid;
    expungedModSeqs[expunged] = modSeq;
    expunged++;
    return modSeq;
  }

  /**
   * UIDs below {@code belowUid} expunged after {@code sinceModSeq}, ascending: what a session that
   * last caught up at that MODSEQ has not been told yet.
   */
  int[] expungedSince(long sinceModSeq, long belowUid) {
    if (expunged == 0 || expungedModSeqs[expunged - 1] <= sinceModSeq) {
      return NONE; // the usual case, asked before and after every command: no garbage
    }
    int from = expunged;
    while (from > 0 && expungedModSeqs[from - 1] > sinceModSeq) {
      from--; // the log is in MODSEQ order: walk back only over what is new
    }
    int[] out = new int[expunged - from];
    int n = 0;
    for (int k = from; k < expunged; k++) {
      if (expungedUids[k] < belowUid) {
        out[n++] = expungedUids[k];
      }
    }
    out = Arrays.copyOf(out, n);
    Arrays.sort(out);
    return out;
  }

  /** The MODSEQ of the latest expunge, 0 if none. */
  long lastExpungeModSeq() {
    return expunged == 0 ? 0 : expungedModSeqs[expunged - 1];
  }

  ServerSession[] watchers() {
    return watchers;
  }

  void watch(ServerSession s) {
    ServerSession[] w = Arrays.copyOf(watchers, watchers.length + 1);
    w[w.length - 1] = s;
    watchers = w;
  }

  void unwatch(ServerSession s) {
    for (int i = 0; i < watchers.length; i++) {
      if (watchers[i] == s) {
        ServerSession[] w = new ServerSession[watchers.length - 1];
        System.arraycopy(watchers, 0, w, 0, i);
        System.arraycopy(watchers, i + 1, w, i, w.length - i);
        watchers = w;
        return;
      }
    }
  }

  private int nextModSeq() {
    if (highestModSeq >= Integer.MAX_VALUE) {
      throw new IllegalStateException("folder ran out of 31-bit mod-sequences");
    }
    return (int) ++highestModSeq;
  }

  /** Turns a pristine folder into arrays and makes room for {@code needed} messages. */
  private void materialize(int needed) {
    if (uids == null) {
      int cap = Math.max(needed, count + 4);
      uids = new int[cap];
      flags = new byte[cap];
      modSeqs = new int[cap];
      for (int i = 0; i < count; i++) {
        uids[i] = i + 1;
        flags[i] = (byte) population.initialFlags(user, index, i + 1);
        modSeqs[i] = i + 1;
      }
    } else if (needed > uids.length) {
      int cap = Math.max(needed, uids.length + (uids.length >> 1) + 4);
      uids = Arrays.copyOf(uids, cap);
      flags = Arrays.copyOf(flags, cap);
      modSeqs = Arrays.copyOf(modSeqs, cap);
      if (stamps != null) {
        stamps = Arrays.copyOf(stamps, cap);
      }
    }
  }
}
