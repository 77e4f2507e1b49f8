package io.imapsync.imap.protocol;

import io.netty.handler.codec.DecoderException;

/** A response that does not follow the IMAP grammar where we need it to. */
public final class ImapSyntaxException extends DecoderException {
  public ImapSyntaxException(String message) {
    super(message);
  }
}
