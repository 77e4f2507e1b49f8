package io.imapsync.normalize;

/**
 * Bounds that keep hostile mail cheap: whatever a message holds beyond them is skipped (never an
 * exception) and a parse warning says so. Every bound caps work done or output produced, so the
 * cost of one message is linear in its size and its document is bounded whatever it contains.
 * Defaults are the {@code DEFAULT_*} constants; docs/normalization.md explains each.
 *
 * @param maxMimeDepth      nested multiparts walked; deeper multiparts are not split into parts
 *                          (mime4j would recurse through one boundary stream per level and
 *                          overflow the stack near 10,000 levels)
 * @param maxParts          MIME parts (the root included) looked at; parsing stops after them
 * @param maxHeaderFields   header fields processed per header block (message or part)
 * @param maxFieldOctets    octets of one header field processed; a longer field is cut
 * @param maxParameters     parameters (RFC 2231 sections counted one by one) read from one
 *                          Content-Type or Content-Disposition
 * @param maxAddresses      addresses kept over all of from, sender, reply_to, to, cc, bcc
 * @param maxAttachments    attachments listed (has_attachments still counts all)
 * @param maxTextOctets     decoded octets of text/plain and text/html parts read, all parts together
 * @param maxHeaderChars    characters kept of the subject and of each kept header
 * @param maxNameChars      characters kept of a display name, address, filename, content id or type
 */
public record NormalizerLimits(
    int maxMimeDepth,
    int maxParts,
    int maxHeaderFields,
    int maxFieldOctets,
    int maxParameters,
    int maxAddresses,
    int maxAttachments,
    int maxTextOctets,
    int maxHeaderChars,
    int maxNameChars) {
  public static final int DEFAULT_MAX_MIME_DEPTH = 32;
  public static final int DEFAULT_MAX_PARTS = 1_000;
  public static final int DEFAULT_MAX_HEADER_FIELDS = 1_000;
  public static final int DEFAULT_MAX_FIELD_OCTETS = 64 * 1024;
  public static final int DEFAULT_MAX_PARAMETERS = 64;
  public static final int DEFAULT_MAX_ADDRESSES = 1_000;
  public static final int DEFAULT_MAX_ATTACHMENTS = 100;
  public static final int DEFAULT_MAX_TEXT_OCTETS = 4 * 1024 * 1024;
  public static final int DEFAULT_MAX_HEADER_CHARS = 1_000;
  public static final int DEFAULT_MAX_NAME_CHARS = 320;

  public static final NormalizerLimits DEFAULT = builder().build();

  public NormalizerLimits {
    positive("maxMimeDepth", maxMimeDepth);
    positive("maxParts", maxParts);
    positive("maxHeaderFields", maxHeaderFields);
    if (maxFieldOctets < 1024) {
      throw new IllegalArgumentException("maxFieldOctets must be >= 1024: " + maxFieldOctets);
    }
    positive("maxParameters", maxParameters);
    positive("maxAddresses", maxAddresses);
    if (maxAttachments < 0) {
      throw new IllegalArgumentException("maxAttachments must be >= 0: " + maxAttachments);
    }
    positive("maxTextOctets", maxTextOctets);
    positive("maxHeaderChars", maxHeaderChars);
    positive("maxNameChars", maxNameChars);
  }

  private static void positive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be >= 1: " + value);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder().maxMimeDepth(maxMimeDepth).maxParts(maxParts).maxHeaderFields(maxHeaderFields)
        .maxFieldOctets(maxFieldOctets).maxParameters(maxParameters).maxAddresses(maxAddresses)
        .maxAttachments(maxAttachments).maxTextOctets(maxTextOctets).maxHeaderChars(maxHeaderChars)
        .maxNameChars(maxNameChars);
  }

  /** Mutable builder; {@link #build()} checks the values. */
  public static final class Builder {
    private int maxMimeDepth = DEFAULT_MAX_MIME_DEPTH;
    private int maxParts = DEFAULT_MAX_PARTS;
    private int maxHeaderFields = DEFAULT_MAX_HEADER_FIELDS;
    private int maxFieldOctets = DEFAULT_MAX_FIELD_OCTETS;
    private int maxParameters = DEFAULT_MAX_PARAMETERS;
    private int maxAddresses = DEFAULT_MAX_ADDRESSES;
    private int maxAttachments = DEFAULT_MAX_ATTACHMENTS;
    private int maxTextOctets = DEFAULT_MAX_TEXT_OCTETS;
    private int maxHeaderChars = DEFAULT_MAX_HEADER_CHARS;
    private int maxNameChars = DEFAULT_MAX_NAME_CHARS;

    private Builder() {}

    public Builder maxMimeDepth(int v) {
      maxMimeDepth = v;
      return this;
    }

    public Builder maxParts(int v) {
      maxParts = v;
      return this;
    }

    public Builder maxHeaderFields(int v) {
      maxHeaderFields = v;
      return this;
    }

    public Builder maxFieldOctets(int v) {
      maxFieldOctets = v;
      return this;
    }

    public Builder maxParameters(int v) {
      maxParameters = v;
      return this;
    }

    public Builder maxAddresses(int v) {
      maxAddresses = v;
      return this;
    }

    public Builder maxAttachments(int v) {
      maxAttachments = v;
      return this;
    }

    public Builder maxTextOctets(int v) {
      maxTextOctets = v;
      return this;
    }

    public Builder maxHeaderChars(int v) {
      maxHeaderChars = v;
      return this;
    }

    public Builder maxNameChars(int v) {
      maxNameChars = v;
      return this;
    }

    public NormalizerLimits build() {
      return new NormalizerLimits(maxMimeDepth, maxParts, maxHeaderFields, maxFieldOctets, maxParameters,
          maxAddresses, maxAttachments, maxTextOctets, maxHeaderChars, maxNameChars);
    }
  }
}
