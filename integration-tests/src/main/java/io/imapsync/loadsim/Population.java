package io.imapsync.loadsim;

import java.util.List;

/**
 * Who exists and what they start with, as pure functions of the configuration: user names,
 * folders, UIDVALIDITY, and each folder's initial messages (count, flags, dates). Nothing here is
 * stored per user; a folder only takes memory once something changes it ({@link Folder}).
 *
 * <p>Users are {@code prefix} + the index zero-padded to five digits ({@code user00001}), so a
 * user has the same name whatever the population size. Process {@code i} of {@code k} owns the
 * users whose {@code (index - 1) % k == i}: a plain modulo, so a benchmark can tell which process
 * serves a user without asking.
 */
final class Population {
  static final String DOMAIN = "loadsim.test";
  static final int INBOX = 0;

  final int mailboxes;
  final String prefix;
  final long seed;
  final long startAtMillis;
  final int processIndex;
  final int processCount;
  private final String[] folderNames;
  private final String[] specialUse;
  private final int inboxMessages;
  private final int otherFolderMessages;
  private final long uidValidityBase;

  Population(LoadSimConfig c, long startAtMillis) {
    this.mailboxes = c.mailboxes();
    this.prefix = c.userPrefix();
    this.seed = c.seed();
    this.startAtMillis = startAtMillis;
    this.processIndex = c.processIndex();
    this.processCount = c.processCount();
    List<FolderSpec> extra = c.folders();
    this.folderNames = new String[extra.size() + 1];
    this.specialUse = new String[extra.size() + 1];
    folderNames[0] = "INBOX";
    for (int i = 0; i < extra.size(); i++) {
      folderNames[i + 1] = extra.get(i).name();
      specialUse[i + 1] = extra.get(i).specialUse();
    }
    this.inboxMessages = c.inboxMessages();
    this.otherFolderMessages = c.otherFolderMessages();
    // Seconds of the start time, as Dovecot does: a restart with a new start time gets a new
    // UIDVALIDITY, which is right because the state of the previous run is gone.
    this.uidValidityBase = Math.max(1, (startAtMillis / 1000) % 4_000_000_000L);
  }

  String userName(int index) {
    String digits = Integer.toString(index);
    StringBuilder sb = new StringBuilder(prefix.length() + Math.max(5, digits.length())).append(prefix);
    for (int i = digits.length(); i < 5; i++) {
      sb.append('0');
    }
    return sb.append(digits).toString();
  }

  /** The 1-based index of the user called {@code name}, or -1 for a name not in the population. */
  int userIndex(String name) {
    if (name == null || !name.startsWith(prefix) || name.length() - prefix.length() < 5
        || name.length() - prefix.length() > 8) {
      return -1;
    }
    int n = 0;
    for (int i = prefix.length(); i < name.length(); i++) {
      char ch = name.charAt(i);
      if (ch < '0' || ch > '9') {
        return -1;
      }
      n = n * 10 + (ch - '0');
    }
    // One spelling per user: user00001, not user000001.
    return n >= 1 && n <= mailboxes && name.length() == userName(n).length() ? n : -1;
  }

  boolean owns(int userIndex) {
    return (userIndex - 1) % processCount == processIndex;
  }

  int ownedCount() {
    return mailboxes / processCount + (processIndex < mailboxes % processCount ? 1 : 0);
  }

  int folderCount() {
    return folderNames.length;
  }

  String folderName(int folder) {
    return folderNames[folder];
  }

  String specialUse(int folder) {
    return specialUse[folder];
  }

  /** INBOX in any case, other folders exactly; -1 when there is no such folder. */
  int folderIndex(String name) {
    if (name == null) {
      return -1;
    }
    if (name.equalsIgnoreCase("INBOX")) {
      return INBOX;
    }
    for (int i = 1; i < folderNames.length; i++) {
      if (folderNames[i].equals(name)) {
        return i;
      }
    }
    return -1;
  }

  long uidValidity(int folder) {
    return uidValidityBase + folder;
  }

  int initialCount(int folder) {
    return folder == INBOX ? inboxMessages : otherFolderMessages;
  }

  /**
   * The flags initial message {@code uid} starts with: in INBOX the newest zero to three unread,
   * some answered, a few flagged; elsewhere read (and drafts in a \Drafts folder).
   */
  int initialFlags(int user, int folder, int uid) {
    int count = initialCount(folder);
    long h = hash(user, folder, uid, 1);
    if (folder != INBOX) {
      int bits = Flag.SEEN.bit();
      return "\\Drafts".equals(specialUse[folder]) ? bits | Flag.DRAFT.bit() : bits;
    }
    int unread = (int) Long.remainderUnsigned(hash(user, folder, 0, 2), 4);
    int bits = uid <= count - unread ? Flag.SEEN.bit() : 0;
    if (Long.remainderUnsigned(h, 17) == 0) {
      bits |= Flag.FLAGGED.bit();
    }
    if ((bits & Flag.SEEN.bit()) != 0 && Long.remainderUnsigned(h >>> 20, 5) == 0) {
      bits |= Flag.ANSWERED.bit();
    }
    return bits;
  }

  /** Initial messages arrived a few hours apart before the start time, the last one newest. */
  long initialInternalDateSeconds(int user, int folder, int uid) {
    int count = initialCount(folder);
    long base = startAtMillis / 1000 - 3_600;
    long spacing = 3 * 3_600 + Long.remainderUnsigned(hash(user, folder, 0, 3), 6 * 3_600);
    return base - (long) (count - uid) * spacing - Long.remainderUnsigned(hash(user, folder, uid, 4), 1_800);
  }

  /** A well-mixed 64-bit value of the seed and the arguments (SplitMix64 rounds). */
  long hash(long a, long b, long c, long d) {
    return mix(mix(mix(mix((seed ^ 0x9e3779b97f4a7c15L) + a) + b) + c) + d);
  }

  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
