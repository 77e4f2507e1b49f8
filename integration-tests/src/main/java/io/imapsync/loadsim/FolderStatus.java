package io.imapsync.loadsim;

/** A folder as STATUS would report it, read through the API. */
public record FolderStatus(long uidValidity, int messages, long uidNext, int unseen, long highestModSeq) {}
