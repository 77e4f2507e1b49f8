package io.imapsync.normalize;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.imapsync.model.Json;
import io.imapsync.model.MessageDocument;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** Test helpers: build raw messages, normalize them, check the result against message.schema.json. */
final class Normalized {
  static final Path SCHEMA = Path.of("..", "docs", "schemas", "message.schema.json");
  private static JsonSchema schema;

  static final MessageNormalizer NORMALIZER =
      new MessageNormalizer(NormalizerOptions.forAccount(Set.of("me@example.com")));

  private Normalized() {}

  /** Header and body lines joined with CRLF (a blank line must be given where the body starts). */
  static byte[] mail(String... lines) {
    return (String.join("\r\n", lines)).getBytes(StandardCharsets.UTF_8);
  }

  static RawMessage raw(byte[] content) {
    return new RawMessage("acct", "INBOX", 7, 42, List.of(), 1_700_000_000_000L, -1, content, null, 0);
  }

  static MessageDocument normalize(byte[] content) {
    return checked(NORMALIZER.normalize(raw(content)));
  }

  static MessageDocument normalize(MessageNormalizer normalizer, byte[] content) {
    return checked(normalizer.normalize(raw(content)));
  }

  /** Validates against the published schema (with a conversation id, which the feed adds) and returns it. */
  static MessageDocument checked(MessageDocument doc) {
    JsonNode node = Json.MAPPER.valueToTree(doc.withConversationId("c" + "0".repeat(23)));
    ((ObjectNode) node).put("conversation_id", "c" + "0".repeat(23));
    Set<ValidationMessage> errors = schema().validate(node);
    assertTrue(errors.isEmpty(), () -> "message.schema.json rejects the document: " + errors);
    return doc;
  }

  static int jsonLength(MessageDocument doc) {
    return Json.write(doc).length();
  }

  private static synchronized JsonSchema schema() {
    if (schema == null) {
      try (InputStream in = Files.newInputStream(SCHEMA)) {
        schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + SCHEMA.toAbsolutePath(), e);
      }
    }
    return schema;
  }
}
