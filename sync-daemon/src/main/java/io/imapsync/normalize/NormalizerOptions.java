package io.imapsync.normalize;

import java.util.Set;

/**
 * Bounds and account facts for normalization.
 *
 * @param ownAddresses the account's own addresses (lower case), to tell inbound from outbound
 */
public record NormalizerOptions(Set<String> ownAddresses, int maxBodyTextChars, int maxBodyHtmlChars,
    int blurbChars) {
  public static final int DEFAULT_MAX_BODY_TEXT_CHARS = 256 * 1024;
  public static final int DEFAULT_MAX_BODY_HTML_CHARS = 512 * 1024;
  public static final int DEFAULT_BLURB_CHARS = 200;

  public static NormalizerOptions forAccount(Set<String> ownAddresses) {
    return new NormalizerOptions(ownAddresses, DEFAULT_MAX_BODY_TEXT_CHARS, DEFAULT_MAX_BODY_HTML_CHARS,
        DEFAULT_BLURB_CHARS);
  }
}
