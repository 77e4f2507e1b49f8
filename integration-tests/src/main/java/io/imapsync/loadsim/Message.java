package io.imapsync.loadsim;

/**
 * One message as FETCH serves it, built on demand and dropped after the response is written:
 * the raw RFC 5322 bytes (CRLF line ends), where its header ends, and its ENVELOPE and
 * BODYSTRUCTURE already in IMAP syntax.
 */
interface Message {
  byte[] raw();

  /** Octets of the header including the blank line that ends it. */
  int headerLength();

  /** ENVELOPE (RFC 9051 §7.5.2) as a parenthesized list. */
  String envelope();

  /** BODYSTRUCTURE, or with {@code extended} false, BODY (no extension data). */
  String bodyStructure(boolean extended);

  /** The octets of a part section ("1", "2.1", "2.MIME"), or null when there is no such part. */
  byte[] section(String part);
}
