package io.imapsync.normalize;

import java.util.Locale;

/** What a parse warning is about: the {@code kind} tag of {@code imapsync.parse.warnings}. */
public enum WarningKind {
  /** Broken address fields (stray separators, unterminated quotes or angle addresses). */
  ADDRESS,
  /** Unknown charsets, malformed UTF-8, 8-bit header octets. */
  CHARSET,
  /** A missing, unparseable or zone-less Date header. */
  DATE,
  /** Duplicate or dirty header fields (control characters). */
  HEADER,
  /** MIME structure: bad Content-Type, boundaries, parameters, empty parts, mime4j's own complaints. */
  MIME,
  /** A bound of {@link NormalizerLimits} was reached and the rest was cut or ignored. */
  LIMIT;

  public String tag() {
    return name().toLowerCase(Locale.ROOT);
  }
}
