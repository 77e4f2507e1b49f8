package io.imapsync.model;

/** Where in the mailbox's history a change happened: lets consumers order and dedupe. -1 = not applicable. */
public record EventPosition(String mailbox, long uidvalidity, long uid, long modseq) {}
