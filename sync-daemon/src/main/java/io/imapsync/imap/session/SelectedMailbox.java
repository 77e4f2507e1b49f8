package io.imapsync.imap.session;

import java.util.List;

/**
 * What SELECT or EXAMINE reported. {@code highestModSeq} is -1 when the server sent none
 * (or NOMODSEQ).
 */
public record SelectedMailbox(
    String name,
    long uidValidity,
    long uidNext,
    long exists,
    long highestModSeq,
    List<String> flags,
    boolean readOnly) {}
