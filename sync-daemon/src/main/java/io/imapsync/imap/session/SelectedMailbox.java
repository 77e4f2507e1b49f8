package io.imapsync.imap.session;

import io.imapsync.imap.protocol.ImapResponse;
import java.util.List;

/**
 * What SELECT or EXAMINE reported. {@code highestModSeq} is -1 when the server sent none
 * (or NOMODSEQ). {@code changes} holds the VANISHED (EARLIER) and FETCH responses a QRESYNC
 * select returns.
 */
public record SelectedMailbox(
    String name,
    long uidValidity,
    long uidNext,
    long exists,
    long highestModSeq,
    List<String> flags,
    boolean readOnly,
    List<ImapResponse> changes) {}
