package io.imapsync.sync;

/** What a resync changed: messages added, updated (flags) and removed, counted from the events it published. */
public record ResyncReport(String mailbox, boolean full, long added, long updated, long removed) {}
