package io.imapsync.imap.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** RFC 3501 §5.1.3 mailbox-name encoding: printable ASCII as is, '&' as "&-", the rest as "&base64,-". */
public final class ModifiedUtf7 {
  private static final Base64.Encoder ENC = Base64.getEncoder().withoutPadding();
  private static final Base64.Decoder DEC = Base64.getDecoder();

  private ModifiedUtf7() {}

  public static String encode(String name) {
    StringBuilder out = new StringBuilder(name.length() + 8);
    int i = 0;
    while (i < name.length()) {
      char c = name.charAt(i);
      if (c == '&') {
        out.append("&-");
        i++;
      } else if (c >= 0x20 && c <= 0x7e) {
        out.append(c);
        i++;
      } else {
        int j = i;
        while (j < name.length() && (name.charAt(j) < 0x20 || name.charAt(j) > 0x7e)) {
          j++;
        }
        byte[] utf16 = name.substring(i, j).getBytes(StandardCharsets.UTF_16BE);
        out.append('&').append(ENC.encodeToString(utf16).replace('/', ',')).append('-');
        i = j;
      }
    }
    return out.toString();
  }

  /** Decodes; a malformed shift sequence is kept literally rather than failing the mailbox. */
  public static String decode(String name) {
    StringBuilder out = new StringBuilder(name.length());
    int i = 0;
    while (i < name.length()) {
      char c = name.charAt(i);
      if (c != '&') {
        out.append(c);
        i++;
        continue;
      }
      int dash = name.indexOf('-', i + 1);
      if (dash < 0) {
        out.append(name, i, name.length());
        break;
      }
      if (dash == i + 1) {
        out.append('&');
      } else {
        try {
          byte[] utf16 = DEC.decode(name.substring(i + 1, dash).replace(',', '/'));
          out.append(new String(utf16, StandardCharsets.UTF_16BE));
        } catch (IllegalArgumentException e) {
          out.append(name, i, dash + 1);
        }
      }
      i = dash + 1;
    }
    return out.toString();
  }
}
