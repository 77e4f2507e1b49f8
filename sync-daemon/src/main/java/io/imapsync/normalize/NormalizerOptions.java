package io.imapsync.normalize;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Account facts and output caps for normalization.
 *
 * @param ownAddresses     the account's own addresses (compared case-insensitively), to tell inbound from outbound
 * @param maxBodyTextChars characters of body_text kept (the rest cut, {@code truncated} set)
 * @param maxBodyHtmlChars characters of body_html kept (the rest cut, {@code truncated} set)
 * @param blurbChars       length of the blurb before its ellipsis
 * @param limits           bounds on the work done per message
 * @param warnings         told of each parse warning (metrics)
 */
public record NormalizerOptions(Set<String> ownAddresses, int maxBodyTextChars, int maxBodyHtmlChars,
    int blurbChars, NormalizerLimits limits, WarningListener warnings) {
  public static final int DEFAULT_MAX_BODY_TEXT_CHARS = 256 * 1024;
  public static final int DEFAULT_MAX_BODY_HTML_CHARS = 512 * 1024;
  public static final int DEFAULT_BLURB_CHARS = 200;

  public NormalizerOptions {
    ownAddresses = Objects.requireNonNull(ownAddresses, "ownAddresses").stream()
        .map(a -> a.strip().toLowerCase(Locale.ROOT))
        .collect(Collectors.toUnmodifiableSet());
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(warnings, "warnings");
    if (maxBodyTextChars < 0 || maxBodyHtmlChars < 0) {
      throw new IllegalArgumentException("body caps must be >= 0");
    }
    if (blurbChars < 1 || blurbChars > 200) {
      // message.schema.json: blurb maxLength 201 (200 plus the ellipsis)
      throw new IllegalArgumentException("blurbChars must be within 1..200: " + blurbChars);
    }
  }

  /** Defaults everywhere, for an account with these own addresses. */
  public static NormalizerOptions forAccount(Set<String> ownAddresses) {
    return new NormalizerOptions(ownAddresses, DEFAULT_MAX_BODY_TEXT_CHARS, DEFAULT_MAX_BODY_HTML_CHARS,
        DEFAULT_BLURB_CHARS, NormalizerLimits.DEFAULT, WarningListener.NONE);
  }

  public NormalizerOptions withLimits(NormalizerLimits newLimits) {
    return new NormalizerOptions(ownAddresses, maxBodyTextChars, maxBodyHtmlChars, blurbChars, newLimits, warnings);
  }

  public NormalizerOptions withBodyCaps(int textChars, int htmlChars) {
    return new NormalizerOptions(ownAddresses, textChars, htmlChars, blurbChars, limits, warnings);
  }

  public NormalizerOptions withWarnings(WarningListener listener) {
    return new NormalizerOptions(ownAddresses, maxBodyTextChars, maxBodyHtmlChars, blurbChars, limits, listener);
  }
}
