package io.imapsync.normalize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 2045 parameters and RFC 2231 extended values and continuations. */
class MimeParametersTest {

  @ParameterizedTest(name = "[{0}]")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      // RFC 2231 §3, §4, §4.1
      "`message/external-body; access-type=URL; URL*0=\"ftp://\"; URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"`|url|ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar",
      "application/x-stuff; title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A|title|This is ***fun***",
      "`application/x-stuff; title*0*=us-ascii'en'This%20is%20even%20more%20; title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2=\"isn't it!\"`|title|This is even more ***fun*** isn't it!",
      // plus is not a space; an extended value wins over a plain one, in any order
      "attachment; filename*=utf-8''a+b%20c.pdf|filename|a+b c.pdf",
      "`attachment; filename=\"plain.pdf\"; filename*=utf-8''%C3%A9.pdf`|filename|é.pdf",
      "`attachment; filename*=utf-8''%C3%A9.pdf; filename=\"plain.pdf\"`|filename|é.pdf",
      // sections out of order; charset only on section 0
      "`attachment; filename*1*=%A9.txt; filename*0*=utf-8''%C3`|filename|é.txt",
      // quoted pairs, unquoted values with spaces, comments, junk after quotes
      "`text/plain; name=\"a \\\"b\\\" c\"`|name|a \"b\" c",
      "text/plain; name=my file.txt|name|my file.txt",
      "text/plain; charset=us-ascii (Plain text)|charset|us-ascii",
      "`text/plain; name=\"x.txt\" junk; charset=utf-8`|charset|utf-8",
      // malformed percent escapes are kept
      "attachment; filename*=utf-8''100%|filename|100%",
      "attachment; filename*=''abc|filename|abc"})
  void parameters(String header, String name, String expected) {
    assertEquals(expected, MimeParameters.parse(header, 64, new Warnings(), "Content-Type").get(name));
  }

  @Test
  void valueIsTheLowerCaseLeadingToken() {
    assertEquals("text/html", MimeParameters.parse(" Text/HTML ;charset=x", 64, new Warnings(), "t").value());
    assertEquals("inline", MimeParameters.parse("INLINE", 64, new Warnings(), "t").value());
  }

  @Test
  void parameterCapAndOddNames() {
    Warnings w = new Warnings();
    StringBuilder sb = new StringBuilder("attachment");
    for (int i = 0; i < 100; i++) {
      sb.append("; filename*").append(i).append("=x");
    }
    MimeParameters p = MimeParameters.parse(sb.toString(), 10, w, "Content-Disposition");
    assertEquals("x".repeat(10), p.get("filename"));
    assertEquals(List.of("more than 10 parameters in Content-Disposition; the rest ignored"), w.toList());

    Warnings w2 = new Warnings();
    MimeParameters odd = MimeParameters.parse("a; x*1234=1; y*a=2; z*0=ok; z*0=dup", 64, w2, "Content-Type");
    assertNull(odd.get("x"));
    assertNull(odd.get("y"));
    assertEquals("ok", odd.get("z"));
    assertEquals(List.of("malformed RFC 2231 parameter name in Content-Type",
        "malformed RFC 2231 parameter name in Content-Type", "duplicate RFC 2231 section z*0 in Content-Type")
        .stream().distinct().toList(), w2.toList());
  }
}
