package io.imapsync.normalize;

import java.util.Locale;
import org.apache.james.mime4j.stream.BodyDescriptor;
import org.apache.james.mime4j.stream.BodyDescriptorBuilder;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.RawField;

/**
 * What we know of one MIME entity from its Content-* fields. mime4j's token stream asks a
 * {@link BodyDescriptorBuilder} for the type, boundary and transfer encoding; ours parses those
 * fields with our bounded parsers ({@link MimeParameters}) instead of mime4j's, and keeps the
 * disposition, file name and Content-ID for the normalizer.
 *
 * @param mimeType          lower case, defaulted per RFC 2045/2046 (text/plain, or message/rfc822 in
 *                          a multipart/digest); a multipart without a usable boundary is text/plain
 * @param filename          Content-Disposition filename, else Content-Type name; decoded, cleaned
 * @param disposition       "inline", "attachment", another token, or null when absent
 * @param contentId         without angle brackets, or null
 */
record PartDescriptor(
    String mimeType,
    String boundary,
    String charset,
    String transferEncoding,
    String disposition,
    String filename,
    String contentId) implements BodyDescriptor {

  /** Longest boundary accepted (RFC 2046 allows 70); a longer one makes the multipart text. */
  static final int MAX_BOUNDARY = 200;

  @Override
  public String getBoundary() {
    return boundary;
  }

  @Override
  public String getMimeType() {
    return mimeType;
  }

  @Override
  public String getMediaType() {
    int slash = mimeType.indexOf('/');
    return slash < 0 ? mimeType : mimeType.substring(0, slash);
  }

  @Override
  public String getSubType() {
    int slash = mimeType.indexOf('/');
    return slash < 0 ? "" : mimeType.substring(slash + 1);
  }

  @Override
  public String getCharset() {
    return charset;
  }

  @Override
  public String getTransferEncoding() {
    return transferEncoding;
  }

  @Override
  public long getContentLength() {
    return -1;
  }

  boolean isMultipart() {
    return mimeType.startsWith("multipart/");
  }

  /** Per-message state shared by every entity's builder: limits and warnings. */
  record Context(NormalizerLimits limits, Warnings warnings) {}

  /** One per entity; {@link #newChild()} for the parts of a multipart. */
  static final class Builder implements BodyDescriptorBuilder {
    private final Context ctx;
    /** The enclosing multipart's type; null for the message itself. */
    private final String parentMimeType;
    private String contentType;
    private String transferEncoding;
    private String disposition;
    private String contentId;
    private int fields;

    Builder(Context ctx, String parentMimeType) {
      this.ctx = ctx;
      this.parentMimeType = parentMimeType;
    }

    @Override
    public void reset() {
      contentType = null;
      transferEncoding = null;
      disposition = null;
      contentId = null;
      fields = 0;
    }

    @Override
    public Field addField(RawField field) {
      if (++fields > ctx.limits().maxHeaderFields()) {
        // the message's own header (no parent) is reported by the normalizer
        if (fields == ctx.limits().maxHeaderFields() + 1 && parentMimeType != null) {
          ctx.warnings().add(WarningKind.LIMIT, "more than " + ctx.limits().maxHeaderFields()
              + " header fields in a part; the rest ignored");
        }
        return null;
      }
      String name = HeaderFields.name(field);
      if (!name.startsWith("content-")) {
        return null;
      }
      switch (name) {
        case "content-type" -> {
          if (contentType == null) {
            contentType = HeaderFields.value(field, ctx.limits(), ctx.warnings());
          }
        }
        case "content-transfer-encoding" -> {
          if (transferEncoding == null) {
            transferEncoding = HeaderFields.value(field, ctx.limits(), ctx.warnings());
          }
        }
        case "content-disposition" -> {
          if (disposition == null) {
            disposition = HeaderFields.value(field, ctx.limits(), ctx.warnings());
          }
        }
        case "content-id" -> {
          if (contentId == null) {
            contentId = HeaderFields.value(field, ctx.limits(), ctx.warnings());
          }
        }
        default -> {
          // other Content-* fields (Language, Description, Location...) are not used
        }
      }
      return null;
    }

    @Override
    public PartDescriptor build() {
      NormalizerLimits limits = ctx.limits();
      Warnings w = ctx.warnings();
      String defaultType = "multipart/digest".equals(parentMimeType) ? "message/rfc822" : "text/plain";
      String mimeType = defaultType;
      String boundary = null;
      String charset = null;
      String name = null;
      if (contentType != null) {
        MimeParameters ct = MimeParameters.parse(contentType, limits.maxParameters(), w, "Content-Type");
        String t = Text.compact(ct.value(), null);
        int slash = t.indexOf('/');
        if (slash > 0 && slash < t.length() - 1 && t.length() <= 127) {
          mimeType = t;
        } else if (!t.isEmpty()) {
          w.add(WarningKind.MIME, "invalid Content-Type '" + Text.cut(t, 40) + "'; " + defaultType + " assumed");
        }
        boundary = ct.get("boundary");
        charset = ct.get("charset");
        name = ct.get("name");
      }
      if (mimeType.startsWith("multipart/")) {
        if (boundary == null || boundary.isEmpty()) {
          w.add(WarningKind.MIME, mimeType + " without boundary; read as text/plain");
          mimeType = "text/plain";
          boundary = null;
        } else if (boundary.length() > MAX_BOUNDARY || !boundary.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
          w.add(WarningKind.MIME, mimeType + " with an unusable boundary; read as text/plain");
          mimeType = "text/plain";
          boundary = null;
        }
      } else {
        boundary = null;
      }
      String dispositionType = null;
      String filename = null;
      if (disposition != null) {
        MimeParameters cd = MimeParameters.parse(disposition, limits.maxParameters(), w, "Content-Disposition");
        dispositionType = cd.value().isEmpty() ? null : Text.cut(Text.compact(cd.value(), null), 40);
        filename = cd.get("filename");
      }
      if (filename == null || filename.isBlank()) {
        filename = name;
      }
      if (filename != null) {
        boolean[] found = {false};
        filename = Text.line(EncodedWords.decode(filename, w, "file name"), limits.maxNameChars(), true, found);
        if (found[0]) {
          w.add(WarningKind.MIME, "control characters removed from a file name");
        }
      }
      String cid = null;
      if (contentId != null) {
        String id = MessageIds.first(contentId);
        if (id != null) {
          cid = Text.cut(Text.compact(id, null), limits.maxNameChars());
          cid = cid.isEmpty() ? null : cid;
        }
      }
      String cte = transferEncoding == null ? "7bit"
          : Text.compact(transferEncoding, null).toLowerCase(Locale.ROOT);
      return new PartDescriptor(mimeType, boundary, charset, cte, dispositionType, filename, cid);
    }

    @Override
    public BodyDescriptorBuilder newChild() {
      String type = "";
      if (contentType != null) {
        // cheap: only the leading token, parameters are not needed for the child's default type
        int semi = contentType.indexOf(';');
        type = (semi < 0 ? contentType : contentType.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
      }
      return new Builder(ctx, type);
    }
  }
}
