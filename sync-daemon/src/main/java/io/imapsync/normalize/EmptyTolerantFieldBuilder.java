package io.imapsync.normalize;

import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.stream.DefaultFieldBuilder;
import org.apache.james.mime4j.stream.FieldBuilder;
import org.apache.james.mime4j.stream.RawField;
import org.apache.james.mime4j.util.ByteArrayBuffer;
import org.apache.james.mime4j.util.RecycledByteArrayBuffer;

/**
 * mime4j's field builder, except that an empty header section (a body part whose boundary line is
 * followed directly by the empty line, which is valid MIME) is not reported as an invalid header:
 * 0.8.14 builds a field from the empty buffer, fails, and reports "Invalid header encountered" for
 * every such part. A truly malformed line is still reported.
 */
final class EmptyTolerantFieldBuilder implements FieldBuilder {
  private final DefaultFieldBuilder delegate = new DefaultFieldBuilder(-1);

  @Override
  public void reset() {
    delegate.reset();
  }

  @Override
  public void append(ByteArrayBuffer line) throws MimeException {
    delegate.append(line);
  }

  @Override
  public RawField build() throws MimeException {
    RecycledByteArrayBuffer raw = delegate.getRaw();
    int len = raw.length();
    while (len > 0 && (raw.byteAt(len - 1) == '\n' || raw.byteAt(len - 1) == '\r')) {
      len--;
    }
    return len == 0 ? null : delegate.build();
  }

  @Override
  public RecycledByteArrayBuffer getRaw() {
    return delegate.getRaw();
  }

  @Override
  public void release() {
    delegate.release();
  }
}
