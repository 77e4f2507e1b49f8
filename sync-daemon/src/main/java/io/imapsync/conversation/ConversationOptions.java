package io.imapsync.conversation;

import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How conversations are formed for one account.
 *
 * @param subjectWindow        messages with the same base subject but no References link join
 *     only when their dates are at most this far apart; {@link Duration#ZERO} turns subject
 *     joining off
 * @param ownAddresses         the account's own addresses: never count as the shared participant
 *     of a subject join, never the conversation's contact
 * @param maxSubjectEntries    messages remembered per base subject (the newest by date)
 * @param maxEntryParticipants addresses remembered per message for the shared-participant rule
 */
public record ConversationOptions(Duration subjectWindow, Set<String> ownAddresses, int maxSubjectEntries,
    int maxEntryParticipants) {
  /** Replies usually come within days; a month keeps slow threads together. */
  public static final Duration DEFAULT_SUBJECT_WINDOW = Duration.ofDays(30);
  public static final int DEFAULT_MAX_SUBJECT_ENTRIES = 50;
  public static final int DEFAULT_MAX_ENTRY_PARTICIPANTS = 16;

  public ConversationOptions {
    if (subjectWindow == null || subjectWindow.isNegative()) {
      throw new IllegalArgumentException("subjectWindow must be zero or positive, was " + subjectWindow);
    }
    if (maxSubjectEntries < 1 || maxEntryParticipants < 1) {
      throw new IllegalArgumentException("maxSubjectEntries and maxEntryParticipants must be >= 1");
    }
    ownAddresses = ownAddresses == null ? Set.of()
        : ownAddresses.stream().map(a -> a.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
  }

  public static ConversationOptions defaults() {
    return forAccount(Set.of());
  }

  public static ConversationOptions forAccount(Set<String> ownAddresses) {
    return new ConversationOptions(DEFAULT_SUBJECT_WINDOW, ownAddresses, DEFAULT_MAX_SUBJECT_ENTRIES,
        DEFAULT_MAX_ENTRY_PARTICIPANTS);
  }

  public ConversationOptions withSubjectWindow(Duration window) {
    return new ConversationOptions(window, ownAddresses, maxSubjectEntries, maxEntryParticipants);
  }

  public boolean subjectJoining() {
    return !subjectWindow.isZero();
  }

  boolean isOwn(String address) {
    return address != null && ownAddresses.contains(address.toLowerCase(Locale.ROOT));
  }
}
