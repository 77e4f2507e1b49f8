package io.imapsync.loadsim;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The folders of the users this process owns, created on first use (one reference per folder
 * slot until then), and the changes made to them from outside a session: each change is made
 * under the folder's lock, then the sessions watching the folder are told and the
 * {@link ChangeListener} hears of it.
 */
final class MailStore {
  private final Population population;
  private final MessageGenerator generator;
  private final ChangeListener listener;
  private final int folders;
  private final AtomicReferenceArray<Folder> slots;
  final LongAdder deliveries = new LongAdder();
  final LongAdder flagChanges = new LongAdder();
  final LongAdder expunges = new LongAdder();

  MailStore(Population population, MessageGenerator generator, ChangeListener listener) {
    this.population = population;
    this.generator = generator;
    this.listener = listener;
    this.folders = population.folderCount();
    this.slots = new AtomicReferenceArray<>(population.ownedCount() * folders);
  }

  private int slot(int user, int folder) {
    return ((user - 1) / population.processCount) * folders + folder;
  }

  /** The folder, created if need be; {@code user} must be owned by this process. */
  Folder folder(int user, int folder) {
    int s = slot(user, folder);
    Folder f = slots.get(s);
    if (f == null) {
      Folder created = new Folder(population, user, folder);
      f = slots.compareAndExchange(s, null, created);
      if (f == null) {
        f = created;
      }
    }
    return f;
  }

  /**
   * The folder if it exists, else a pristine stand-in that is not kept: STATUS of folders nobody
   * changed or selected costs no memory.
   */
  Folder peek(int user, int folder) {
    Folder f = slots.get(slot(user, folder));
    return f != null ? f : new Folder(population, user, folder);
  }

  /** Number of folders that have been created (touched), for the stats line. */
  int touchedFolders() {
    int n = 0;
    for (int i = 0; i < slots.length(); i++) {
      if (slots.get(i) != null) {
        n++;
      }
    }
    return n;
  }

  Change.Delivered deliver(int user, int folder, Change.Origin origin) {
    Folder f = folder(user, folder);
    long stamp;
    int uid;
    long modSeq;
    ServerSession[] watchers;
    synchronized (f) {
      stamp = Stamps.nowMicros();
      int i = f.deliver(stamp);
      uid = f.uidAt(i);
      modSeq = f.modSeqAt(i);
      watchers = f.watchers();
    }
    deliveries.increment();
    tell(watchers, null);
    Change.Delivered c = new Change.Delivered(population.userName(user), population.folderName(folder), uid, modSeq,
        stamp, generator.messageId(user, folder, uid, stamp), origin);
    listener.onChange(c);
    return c;
  }

  /**
   * Sets the flags of the message with {@code uid} to {@code (old | add) & ~remove}; null when
   * there is no such message or nothing changed.
   */
  Change.FlagsChanged changeFlags(int user, int folder, long uid, int add, int remove, boolean replace,
      Change.Origin origin) {
    Folder f = folder(user, folder);
    long modSeq;
    int bits;
    long stamp;
    ServerSession[] watchers;
    synchronized (f) {
      int i = f.indexOf(uid);
      if (i < 0) {
        return null;
      }
      bits = replace ? add : (f.flagsAt(i) | add) & ~remove;
      stamp = Stamps.nowMicros();
      modSeq = f.store(i, bits);
      if (modSeq < 0) {
        return null;
      }
      watchers = f.watchers();
    }
    return flagsChanged(user, folder, uid, modSeq, bits, stamp, watchers, null, origin);
  }

  /**
   * A scheduled flag change: toggles \Seen (seven times in ten) or \Flagged on the message that
   * {@code pick} chooses among the live ones; null when the folder is empty.
   */
  Change.FlagsChanged toggleSomeFlag(int user, int folder, long pick) {
    Folder f = folder(user, folder);
    long modSeq;
    int bits;
    int uid;
    long stamp;
    ServerSession[] watchers;
    synchronized (f) {
      if (f.count() == 0) {
        return null;
      }
      int i = (int) Long.remainderUnsigned(pick, f.count());
      int bit = Long.remainderUnsigned(pick >>> 32, 10) < 7 ? Flag.SEEN.bit() : Flag.FLAGGED.bit();
      bits = f.flagsAt(i) ^ bit;
      uid = f.uidAt(i);
      stamp = Stamps.nowMicros();
      modSeq = f.store(i, bits);
      watchers = f.watchers();
    }
    return flagsChanged(user, folder, uid, modSeq, bits, stamp, watchers, null, Change.Origin.SCHEDULE);
  }

  /** Told by a session after its STORE changed a message; {@code self} is not notified. */
  Change.FlagsChanged flagsChanged(int user, int folder, long uid, long modSeq, int bits, long stamp,
      ServerSession[] watchers, ServerSession self, Change.Origin origin) {
    flagChanges.increment();
    tell(watchers, self);
    Change.FlagsChanged c = new Change.FlagsChanged(population.userName(user), population.folderName(folder), uid,
        modSeq, stamp, Flag.set(bits), origin);
    listener.onChange(c);
    return c;
  }

  /** Expunges the message with {@code uid}; null when there is none. */
  Change.Expunged expunge(int user, int folder, long uid, Change.Origin origin) {
    Folder f = folder(user, folder);
    long modSeq;
    long stamp;
    ServerSession[] watchers;
    synchronized (f) {
      int i = f.indexOf(uid);
      if (i < 0) {
        return null;
      }
      stamp = Stamps.nowMicros();
      modSeq = f.expungeAt(i);
      watchers = f.watchers();
    }
    return expunged(user, folder, uid, modSeq, stamp, watchers, null, origin);
  }

  /** A scheduled expunge of the message {@code pick} chooses; null when the folder is empty. */
  Change.Expunged expungeSome(int user, int folder, long pick) {
    Folder f = folder(user, folder);
    long modSeq;
    long stamp;
    int uid;
    ServerSession[] watchers;
    synchronized (f) {
      if (f.count() == 0) {
        return null;
      }
      int i = (int) Long.remainderUnsigned(pick, f.count());
      uid = f.uidAt(i);
      stamp = Stamps.nowMicros();
      modSeq = f.expungeAt(i);
      watchers = f.watchers();
    }
    return expunged(user, folder, uid, modSeq, stamp, watchers, null, Change.Origin.SCHEDULE);
  }

  Change.Expunged expunged(int user, int folder, long uid, long modSeq, long stamp, ServerSession[] watchers,
      ServerSession self, Change.Origin origin) {
    expunges.increment();
    tell(watchers, self);
    Change.Expunged c = new Change.Expunged(population.userName(user), population.folderName(folder), uid, modSeq,
        stamp, origin);
    listener.onChange(c);
    return c;
  }

  private static void tell(ServerSession[] watchers, ServerSession self) {
    for (ServerSession s : watchers) {
      if (s != self) {
        s.folderChanged();
      }
    }
  }
}
