package io.imapsync.imap.session;

import io.imapsync.imap.protocol.ImapResponse;
import java.util.List;

/** A completed command: its tagged response and the untagged responses received while it ran. */
public record CommandResult(ImapResponse.Tagged tagged, List<ImapResponse> untagged) {}
