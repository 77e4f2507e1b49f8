package io.imapsync.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imapsync.demo.Demo;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@code bin/imap-sync demo} as a user sees it: events shown live, a summary, exit status 0. */
@Tag("integration")
class DemoIntegrationTest {

  @Test
  void demoShowsEveryDeliveryAndSummarizes() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    int status;
    try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
      status = new Demo(out, true, 8, Duration.ZERO).run(true);
    }
    String text = buffer.toString(StandardCharsets.UTF_8);
    assertEquals(0, status, text);
    // 8 messages to 14 inboxes: one message.created and one conversation.updated each.
    assertEquals(14, count(text, "(?m)^\\[ *\\d+ms\\] \\w+ +message\\.created "), text);
    assertEquals(14, count(text, "(?m)^ +\\w+ +conversation\\.updated "), text);
    assertTrue(text.contains("messages delivered      8 (14 inbox deliveries)"), text);
    assertTrue(Pattern.compile("events read back +\\d+ \\(.*14 conversation\\.updated, 14 message\\.created\\)")
        .matcher(text).find(), text);
    // alice: offsite thread, lunch, café; bob: offsite, café; carol: offsite.
    assertTrue(text.contains("conversations           6 across 3 accounts"), text);
    assertTrue(text.contains("\"Café ☕ on Friday\" from Erin Müller"), "RFC 2047 subject and name decoded:\n" + text);
    Matcher latency = Pattern.compile("push latency +p50 (\\d+) ms, p99 (\\d+) ms").matcher(text);
    assertTrue(latency.find(), text);
    assertTrue(Long.parseLong(latency.group(1)) <= Long.parseLong(latency.group(2)));
    // --json prints the conversation documents themselves.
    assertTrue(text.contains("\"num_messages\" : 4"), text);
  }

  private static long count(String text, String regex) {
    return Pattern.compile(regex).matcher(text).results().count();
  }
}
