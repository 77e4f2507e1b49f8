package io.imapsync.sync;

import io.imapsync.imap.protocol.ImapResponse;
import io.imapsync.imap.session.ImapSession;
import io.imapsync.model.ChangeEvent;
import io.imapsync.publish.FlagChange;
import io.imapsync.publish.FolderChanges;
import io.imapsync.publish.FolderCheckpoint;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Brings flags and expunges of the already-mirrored UIDs (below uidnext) in line with the server,
 * by the cheapest means the server offers:
 *
 * <ul>
 *   <li>QRESYNC: {@code UID FETCH 1:n (UID FLAGS) (CHANGEDSINCE m VANISHED)}: changed flags and
 *       expunged UIDs in one command (RFC 7162 §3.2.6).
 *   <li>CONDSTORE: the same without VANISHED, plus {@code UID SEARCH UID 1:n} when an expunge
 *       may have happened, compared with the mirror.
 *   <li>Neither (RFC 4549 §4.3.1): {@code UID FETCH 1:n (UID FLAGS)} compared with the mirror's
 *       flags: O(n), so it runs on resume, after an EXPUNGE and on the periodic tick only.
 * </ul>
 *
 * The new HIGHESTMODSEQ is the largest MODSEQ the command reported, taken after its tagged OK, and
 * is written with the changes it covers.
 */
final class FolderReconciler {
  private FolderReconciler() {}

  /**
   * What a pass found and published, the mod-sequence the checkpoint now holds, and (full
   * comparison only) UIDs below uidnext that the server has but the mirror lacks.
   */
  record Result(int flagChanges, int expunges, long highestModSeq, List<ChangeEvent> events, List<Long> missing) {}

  static CompletableFuture<Result> run(ImapSession session, FolderChanges changes, long epoch, String mailbox,
      long uidValidity, long uidNext, long modSeq, long selectHighestModSeq, boolean checkExpunges) {
    return run(session, changes, epoch, mailbox, uidValidity, uidNext, modSeq, selectHighestModSeq, checkExpunges, false);
  }

  /** With {@code compareAll}, every UID is compared (support's recheck), whatever the server offers. */
  static CompletableFuture<Result> run(ImapSession session, FolderChanges changes, long epoch, String mailbox,
      long uidValidity, long uidNext, long modSeq, long selectHighestModSeq, boolean checkExpunges, boolean compareAll) {
    if (uidNext <= 1) {
      long hm = Math.max(modSeq, selectHighestModSeq);
      return CompletableFuture.completedFuture(new Result(0, 0, hm, List.of(), List.of()));
    }
    String range = "1:" + (uidNext - 1);
    boolean condstore = session.hasCapability("CONDSTORE") || session.isEnabled("QRESYNC");
    if (condstore && modSeq > 0 && !compareAll) {
      boolean qresync = session.isEnabled("QRESYNC");
      String modifiers = qresync ? "(CHANGEDSINCE " + modSeq + " VANISHED)" : "(CHANGEDSINCE " + modSeq + ")";
      return session.execute(session.command("UID FETCH").sp().raw(range).sp().raw(items(session)).sp()
              .raw(modifiers).build())
          .thenCompose(r -> {
            List<FlagChange> flags = new ArrayList<>();
            List<Long> vanished = new ArrayList<>();
            long highest = Math.max(modSeq, selectHighestModSeq);
            for (ImapResponse u : r.untagged()) {
              if (u instanceof ImapResponse.Fetch f && f.data().hasUid() && f.data().uid() < uidNext
                  && f.data().flags() != null) {
                flags.add(new FlagChange(f.data().uid(), f.data().flags(), f.data().modSeq(), f.data().gmailLabels()));
                highest = Math.max(highest, f.data().modSeq());
              } else if (u instanceof ImapResponse.Vanished v) {
                addAll(vanished, v, uidNext);
              }
            }
            long newHighest = highest;
            CompletableFuture<List<Long>> expunged = qresync || !checkExpunges
                ? CompletableFuture.completedFuture(vanished)
                : expungedBySearch(session, changes, mailbox, range, uidNext);
            return expunged.thenCompose(gone -> publish(changes, epoch, mailbox, uidValidity, uidNext, newHighest,
                flags, gone, List.of()));
          });
    }
    return session.execute(session.command("UID FETCH").sp().raw(range).sp().raw("(UID FLAGS)").build())
        .thenCompose(r -> changes.mirroredFlags(mailbox).thenCompose(mirror -> {
          List<FlagChange> flags = new ArrayList<>();
          Set<Long> present = new HashSet<>();
          for (ImapResponse u : r.untagged()) {
            if (u instanceof ImapResponse.Fetch f && f.data().hasUid() && f.data().uid() < uidNext) {
              present.add(f.data().uid());
              String before = mirror.get(f.data().uid());
              if (before != null && f.data().flags() != null && !FolderChanges.flagSet(List.of(before.split(" ")))
                  .equals(FolderChanges.flagSet(f.data().flags()))) {
                flags.add(new FlagChange(f.data().uid(), f.data().flags(), -1));
              }
            }
          }
          List<Long> gone = mirror.keySet().stream().filter(uid -> uid < uidNext && !present.contains(uid)).sorted().toList();
          List<Long> missing = present.stream().filter(uid -> !mirror.containsKey(uid)).sorted().toList();
          long keep = compareAll ? Math.max(modSeq, selectHighestModSeq) : -1;
          return publish(changes, epoch, mailbox, uidValidity, uidNext, keep, flags, gone, missing);
        }));
  }

  /** Gmail: label changes raise MODSEQ like flag changes; fetch them alongside (labels as message.updated). */
  private static String items(ImapSession session) {
    return session.hasCapability("X-GM-EXT-1") ? "(UID FLAGS X-GM-LABELS)" : "(UID FLAGS)";
  }

  /**
   * UIDs below {@code uidNext} that the mirror holds and the server no longer lists. Only that
   * range was searched: a mirrored UID at or above it (written by a connection whose checkpoint was
   * ahead of ours, e.g. the previous owner's last batch landing after we read the checkpoint) is
   * not gone, just not asked about; the fetch of new messages that follows sees it.
   */
  private static CompletableFuture<List<Long>> expungedBySearch(ImapSession session, FolderChanges changes,
      String mailbox, String range, long uidNext) {
    return session.uidSearch("UID " + range).thenCompose(r -> changes.mirroredFlags(mailbox).thenApply(mirror -> {
      Set<Long> present = new HashSet<>();
      for (ImapResponse u : r.untagged()) {
        if (u instanceof ImapResponse.Search s) {
          for (long n : s.numbers()) {
            present.add(n);
          }
        }
      }
      return mirror.keySet().stream().filter(uid -> uid < uidNext && !present.contains(uid)).sorted().toList();
    }));
  }

  private static void addAll(List<Long> out, ImapResponse.Vanished v, long below) {
    for (int i = 0; i < v.uids().starts().length; i++) {
      for (long u = v.uids().starts()[i]; u <= v.uids().ends()[i] && u < below; u++) {
        out.add(u);
      }
    }
  }

  private static CompletableFuture<Result> publish(FolderChanges changes, long epoch, String mailbox, long uidValidity,
      long uidNext, long highestModSeq, List<FlagChange> flags, List<Long> expunged, List<Long> missing) {
    FolderCheckpoint next = new FolderCheckpoint(uidValidity, uidNext, highestModSeq);
    List<ChangeEvent> events = new ArrayList<>();
    return changes.publishFlags(epoch, mailbox, next, flags)
        .thenCompose(e1 -> {
          events.addAll(e1);
          return expunged.isEmpty() ? CompletableFuture.completedFuture(List.<ChangeEvent>of())
              : changes.publishExpunges(epoch, mailbox, next, expunged);
        })
        .thenApply(e2 -> {
          events.addAll(e2);
          return new Result(flags.size(), expunged.size(), highestModSeq, events, missing);
        });
  }

}
