package io.imapsync.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The deployment files under deploy/ parse and agree with the code: every YAML file is valid
 * (multi-document Kubernetes files included), every Kubernetes object is named, every command line
 * of the manifests, systemd units and the deploy runbook parses with the picocli (sub)command it
 * names, every environment variable they set is one the launcher or the daemon reads, ports and
 * stop grace periods match the options, and the Redis configuration keeps durability and
 * no eviction.
 *
 * <p>The coordinator is reached only through picocli's model of {@link ImapSyncCommand} by name,
 * so this compiles without it and fails, saying what is missing, until it is there.
 */
class DeployManifestsTest {
  private static final Path ROOT = Path.of("..");
  private static final Path DEPLOY = ROOT.resolve("deploy");
  private static final Path K8S = DEPLOY.resolve("k8s");
  private static final Path SYSTEMD = DEPLOY.resolve("systemd");
  private static final Path RUNBOOK = ROOT.resolve("docs/runbooks/deploy.md");
  // A duplicated key would silently win in some readers and be refused by others (kubectl).
  private static final YAMLMapper YAML = YAMLMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();

  private static final String RUN = "imap-sync run";
  private static final String COORDINATOR = "imap-sync coordinator";
  /** The option giving the HTTP port (metrics, health, admin) of each long-running command. */
  private static final Map<String, String> PORT_OPTION = Map.of(RUN, "--metrics-port", COORDINATOR, "--admin-port");
  /** Prometheus jobs of deploy/prometheus/prometheus.yml and the command each scrapes. */
  private static final Map<String, String> SCRAPED = Map.of("imap-sync", RUN, "imap-sync-coordinator", COORDINATOR);
  /** RunCommand's shutdown hook waits --stop-grace plus this for the accounts' release and the exit. */
  private static final Duration SHUTDOWN_HOOK_SLACK = Duration.ofSeconds(15);

  /**
   * Every environment variable a manifest or unit may set, with the file that reads it (checked
   * below to mention it). A variable nobody reads is a setting that silently does nothing.
   */
  private static final Map<String, String> ENV_READERS = Map.ofEntries(
      Map.entry("REDIS_URL", "sync-daemon/src/main/java/io/imapsync/daemon/RedisUrls.java"),
      Map.entry("IMAP_SYNC_SECRET_KEYS", "sync-daemon/src/main/java/io/imapsync/accounts/SecretBox.java"),
      Map.entry("IMAP_SYNC_SECRET_KEY_FILE", "sync-daemon/src/main/java/io/imapsync/accounts/SecretBox.java"),
      Map.entry("IMAP_SYNC_METRICS_TOKEN", "sync-daemon/src/main/java/io/imapsync/admin/BearerToken.java"),
      Map.entry("IMAP_SYNC_OAUTH_REFRESH_TOKEN", "sync-daemon/src/main/java/io/imapsync/cli/RunCommand.java"),
      Map.entry("IMAP_SYNC_NODE_ID", "sync-daemon/src/main/java/io/imapsync/cli/RunCommand.java"),
      Map.entry("IMAP_SYNC_COORDINATOR_ID", "sync-daemon/src/main/java/io/imapsync/cli/CoordinatorCommand.java"),
      Map.entry("IMAP_SYNC_ADMIN_TOKEN", "sync-daemon/src/main/java/io/imapsync/cli/CoordinatorCommand.java"),
      Map.entry("IMAP_SYNC_JAVA_OPTS", "bin/lib/common.sh"),
      Map.entry("IMAP_SYNC_LOG_LEVEL", "sync-daemon/src/main/resources/logback.xml"));

  // ---------------------------------------------------------------------------------------------
  // YAML and Kubernetes objects

  @Test
  void everyYamlFileParses() throws IOException {
    List<Path> files = yamlFiles(DEPLOY);
    assertTrue(files.size() >= 8, "YAML files under deploy/: " + files);
    for (Path f : files) {
      assertFalse(documents(f).isEmpty(), f + " holds no YAML document");
    }
  }

  @Test
  void everyKubernetesObjectIsNamedAndNamespaceAgnostic() throws IOException {
    List<String> problems = new ArrayList<>();
    int objects = 0;
    for (Map.Entry<Path, List<JsonNode>> e : k8sFiles().entrySet()) {
      for (JsonNode doc : e.getValue()) {
        objects++;
        for (String field : List.of("apiVersion", "kind")) {
          if (doc.path(field).asText().isBlank()) {
            problems.add(e.getKey() + ": an object without " + field);
          }
        }
        if (doc.path("metadata").path("name").asText().isBlank()) {
          problems.add(e.getKey() + ": a " + doc.path("kind").asText() + " without metadata.name");
        }
        if (doc.path("metadata").has("namespace")) {
          problems.add(e.getKey() + ": " + name(doc) + " names a namespace; the namespace is chosen at apply time");
        }
      }
    }
    assertEquals(List.of(), problems);
    assertTrue(objects >= 8, "Kubernetes objects: " + objects);
  }

  @Test
  void kustomizationListsEveryManifestButTheExampleSecret() throws IOException {
    JsonNode k = single(K8S.resolve("kustomization.yaml"));
    assertEquals("Kustomization", k.path("kind").asText());
    Set<String> listed = new TreeSet<>();
    k.path("resources").forEach(r -> listed.add(r.asText()));
    Set<String> present = new TreeSet<>(k8sFiles().keySet().stream().map(p -> p.getFileName().toString()).toList());
    present.remove("secret.example.yaml"); // never applied: its values are placeholders
    assertEquals(present, listed, "resources of kustomization.yaml");
    // `kustomize edit set image` must reach every container.
    Set<String> images = new TreeSet<>();
    k.path("images").forEach(i -> images.add(i.path("name").asText()));
    for (Container c : containers()) {
      String image = c.spec().path("image").asText();
      assertTrue(images.contains(image.replaceFirst(":[^:/]*$", "")), c.where() + ": image " + image + " is not in kustomization.yaml's images " + images);
    }
  }

  @Test
  void selectorsMatchThePods() throws IOException {
    List<String> problems = new ArrayList<>();
    List<JsonNode> templates = new ArrayList<>();
    for (JsonNode doc : k8sObjects()) {
      JsonNode template = doc.path("spec").path("template");
      if (template.isMissingNode()) {
        continue;
      }
      templates.add(template);
      if (!contains(template.path("metadata").path("labels"), doc.path("spec").path("selector").path("matchLabels"))) {
        problems.add(name(doc) + ": selector does not match its pod template's labels");
      }
      if (doc.path("kind").asText().equals("StatefulSet")) {
        String service = doc.path("spec").path("serviceName").asText();
        boolean headless = k8sObjects().stream().anyMatch(s -> s.path("kind").asText().equals("Service")
            && s.path("metadata").path("name").asText().equals(service) && s.path("spec").path("clusterIP").asText().equals("None"));
        if (!headless) {
          problems.add(name(doc) + ": serviceName " + service + " is not a headless Service here");
        }
      }
    }
    for (JsonNode doc : k8sObjects()) {
      JsonNode selector = switch (doc.path("kind").asText()) {
        case "Service" -> doc.path("spec").path("selector");
        case "PodDisruptionBudget" -> doc.path("spec").path("selector").path("matchLabels");
        default -> null;
      };
      if (selector != null && templates.stream().noneMatch(t -> contains(t.path("metadata").path("labels"), selector))) {
        problems.add(name(doc) + ": selector " + selector + " matches no pod template");
      }
    }
    assertEquals(List.of(), problems);
  }

  // ---------------------------------------------------------------------------------------------
  // Command lines

  @Test
  void everyCommandLineParsesWithTheCommandItNames() throws IOException {
    List<String> problems = new ArrayList<>();
    Set<String> inK8s = new TreeSet<>();
    Set<String> inSystemd = new TreeSet<>();
    for (Invocation i : k8sInvocations()) {
      CommandSpec leaf = parse(i, problems);
      if (leaf != null) {
        inK8s.add(leaf.qualifiedName());
      }
    }
    for (Unit u : units()) {
      for (Invocation i : u.invocations()) {
        CommandSpec leaf = parse(i, problems);
        if (leaf != null) {
          inSystemd.add(leaf.qualifiedName());
        }
      }
    }
    List<Invocation> documented = runbookInvocations();
    documented.forEach(i -> parse(i, problems));
    assertEquals(List.of(), problems, "command lines that the commands they name would refuse");
    // The extraction found what is there, or the checks above would pass on nothing.
    assertEquals(Set.of(RUN, COORDINATOR), inK8s, "commands of the Kubernetes containers");
    assertEquals(Set.of(RUN, COORDINATOR), inSystemd, "commands of the systemd units");
    assertTrue(documented.size() >= 5, "commands in " + RUNBOOK + ": " + documented);
  }

  @Test
  void aMisspelledOptionIsReported() {
    List<String> problems = new ArrayList<>();
    parse(new Invocation("test", "imap-sync", List.of("run", "--metrics-prot", "9464")), problems);
    parse(new Invocation("test", "imap-sync", List.of("rnu")), problems);
    parse(new Invocation("test", "syncctl", List.of("drain")), problems); // NODE missing
    assertEquals(3, problems.size(), problems.toString());
    assertTrue(problems.get(0).contains("--metrics-prot"), problems.get(0));
    assertTrue(problems.get(1).contains("no subcommand 'rnu'"), problems.get(1));
  }

  // ---------------------------------------------------------------------------------------------
  // Environment

  @Test
  void everyEnvironmentVariableSetIsOneTheDaemonReads() throws IOException {
    Map<String, String> set = new TreeMap<>(); // name -> where
    for (Container c : containers()) {
      c.env().forEach(n -> set.putIfAbsent(n, c.where()));
    }
    for (JsonNode doc : k8sObjects()) {
      String kind = doc.path("kind").asText();
      if (kind.equals("ConfigMap") || kind.equals("Secret")) { // consumed through envFrom
        Stream.of("data", "stringData").forEach(f -> doc.path(f).fieldNames().forEachRemaining(n -> set.putIfAbsent(n, name(doc))));
      }
    }
    for (Unit u : units()) {
      for (String assignment : u.all("Environment")) {
        for (List<String> words : simpleCommands(assignment)) {
          words.forEach(w -> set.putIfAbsent(w.split("=", 2)[0], u.file().toString()));
        }
      }
    }
    Map<String, String> unknown = new TreeMap<>(set);
    unknown.keySet().removeAll(ENV_READERS.keySet());
    assertEquals(Map.of(), unknown, "variables set in deploy/ that nothing reads (name -> where); known: " + ENV_READERS.keySet());
    assertTrue(set.keySet().containsAll(Set.of("REDIS_URL", "IMAP_SYNC_NODE_ID", "IMAP_SYNC_ADMIN_TOKEN")), "found: " + set);
  }

  @Test
  void theReadersOfTheEnvironmentStillReadIt() throws IOException {
    Map<String, String> notMentioned = new TreeMap<>();
    for (Map.Entry<String, String> e : ENV_READERS.entrySet()) {
      Path reader = ROOT.resolve(e.getValue());
      if (!Files.exists(reader) || !Files.readString(reader).contains(e.getKey())) {
        notMentioned.put(e.getKey(), e.getValue() + (Files.exists(reader) ? "" : " (missing)"));
      }
    }
    assertEquals(Map.of(), notMentioned, "ENV_READERS names a file that does not read the variable");
  }

  @Test
  void secretAndConfigMapReferencesResolve() throws IOException {
    List<String> problems = new ArrayList<>();
    for (Container c : containers()) {
      for (JsonNode e : c.spec().path("env")) {
        JsonNode from = e.path("valueFrom");
        for (String ref : List.of("secretKeyRef", "configMapKeyRef")) {
          if (from.has(ref) && !keysOf(ref.startsWith("secret") ? "Secret" : "ConfigMap", from.path(ref).path("name").asText())
              .contains(from.path(ref).path("key").asText())) {
            problems.add(c.where() + ": " + e.path("name").asText() + " refers to " + from.path(ref) + ", which is not defined here");
          }
        }
      }
      for (JsonNode e : c.spec().path("envFrom")) {
        if (e.has("configMapRef") && keysOf("ConfigMap", e.path("configMapRef").path("name").asText()).isEmpty()) {
          problems.add(c.where() + ": envFrom " + e + " names no ConfigMap here");
        }
      }
    }
    assertEquals(List.of(), problems);
  }

  @Test
  void theExampleSecretHoldsPlaceholdersOnly() throws IOException {
    JsonNode secret = single(K8S.resolve("secret.example.yaml"));
    assertEquals("Secret", secret.path("kind").asText());
    assertTrue(secret.path("stringData").size() >= 4, secret.toString());
    secret.path("stringData").fields().forEachRemaining(e ->
        assertTrue(e.getValue().asText().contains("REPLACE"), e.getKey() + " looks like a real value; mark it as an example"));
    assertFalse(secret.has("data"), "base64 values cannot be seen to be placeholders: use stringData");
  }

  // ---------------------------------------------------------------------------------------------
  // Ports, probes, grace periods

  @Test
  void portsAndProbesMatchTheOptions() throws IOException {
    List<String> problems = new ArrayList<>();
    Map<String, Integer> containerPorts = new TreeMap<>(); // "name" and "number" -> port, of every container
    int checked = 0;
    for (Container c : containers()) {
      c.spec().path("ports").forEach(p -> {
        containerPorts.put(p.path("name").asText(), p.path("containerPort").asInt());
        containerPorts.put(p.path("containerPort").asText(), p.path("containerPort").asInt());
      });
      CommandSpec leaf = c.mainCommand() == null ? null : parse(c.mainCommand(), problems);
      String option = leaf == null ? null : PORT_OPTION.get(leaf.qualifiedName());
      if (option == null) {
        continue;
      }
      checked++;
      int port = (Integer) leaf.findOption(option).getValue();
      for (JsonNode p : c.spec().path("ports")) {
        if (p.path("containerPort").asInt() != port) {
          problems.add(c.where() + ": containerPort " + p.path("containerPort") + " but " + option + " is " + port);
        }
      }
      for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
        JsonNode spec = c.spec().path(probe);
        if (spec.isMissingNode()) {
          if (!probe.equals("startupProbe")) {
            problems.add(c.where() + ": no " + probe);
          }
          continue;
        }
        String wanted = probe.equals("readinessProbe") ? "/health/ready" : "/health/live";
        checkProbe(c, probe, spec, port, wanted, problems);
      }
    }
    for (JsonNode doc : k8sObjects()) {
      if (doc.path("kind").asText().equals("Service")) {
        for (JsonNode p : doc.path("spec").path("ports")) {
          Integer target = containerPorts.get(p.path("targetPort").asText(p.path("port").asText()));
          if (target == null || target != p.path("port").asInt()) {
            problems.add(name(doc) + ": port " + p + " does not lead to a container port of the same number " + containerPorts);
          }
        }
      }
    }
    // Prometheus, as installed by deploy/systemd: each job scrapes the port of the unit's command.
    Map<String, Integer> unitPorts = new TreeMap<>();
    for (Unit u : units()) {
      for (Invocation i : u.invocations()) {
        CommandSpec leaf = parse(i, problems);
        if (leaf != null && PORT_OPTION.containsKey(leaf.qualifiedName())) {
          unitPorts.put(leaf.qualifiedName(), (Integer) leaf.findOption(PORT_OPTION.get(leaf.qualifiedName())).getValue());
        }
      }
    }
    JsonNode prometheus = single(DEPLOY.resolve("prometheus/prometheus.yml"));
    Set<String> jobs = new TreeSet<>();
    for (JsonNode job : prometheus.path("scrape_configs")) {
      String name = job.path("job_name").asText();
      jobs.add(name);
      String command = SCRAPED.get(name);
      if (command == null) {
        problems.add("prometheus.yml: job " + name + " scrapes no command this test knows");
        continue;
      }
      for (JsonNode sc : job.path("static_configs")) {
        for (JsonNode t : sc.path("targets")) {
          if (!t.asText().endsWith(":" + unitPorts.get(command))) {
            problems.add("prometheus.yml: job " + name + " scrapes " + t.asText() + ", but " + command + " in deploy/systemd listens on " + unitPorts.get(command));
          }
        }
      }
    }
    assertEquals(List.of(), problems);
    assertEquals(2, checked, "containers running imap-sync run and coordinator");
    assertEquals(SCRAPED.keySet(), jobs, "scrape jobs of prometheus.yml");
  }

  private static void checkProbe(Container c, String probe, JsonNode spec, int port, String path, List<String> problems) {
    String where = c.where() + " " + probe;
    if (spec.has("exec")) {
      String script = String.join(" ", texts(spec.path("exec").path("command")));
      Matcher tcp = Pattern.compile("/dev/tcp/[^/\\s]+/(\\d+)").matcher(script);
      if (!tcp.find() || Integer.parseInt(tcp.group(1)) != port) {
        problems.add(where + ": does not connect to port " + port + ": " + script);
      }
      if (!script.contains("GET " + path + " ")) {
        problems.add(where + ": does not ask " + path);
      }
      Matcher var = Pattern.compile("\\$\\{?([A-Z_][A-Z0-9_]*)").matcher(script);
      while (var.find()) {
        if (!c.env().contains(var.group(1))) {
          problems.add(where + ": uses $" + var.group(1) + ", which the container does not set");
        }
      }
    } else if (spec.has("httpGet") || spec.has("tcpSocket")) {
      JsonNode action = spec.has("httpGet") ? spec.path("httpGet") : spec.path("tcpSocket");
      int probed = action.path("port").isInt() ? action.path("port").asInt() : c.portNamed(action.path("port").asText());
      if (probed != port) {
        problems.add(where + ": probes port " + action.path("port") + ", the command listens on " + port);
      }
      if (spec.has("httpGet") && !action.path("path").asText().equals(path)) {
        problems.add(where + ": asks " + action.path("path").asText() + " instead of " + path);
      }
    } else {
      problems.add(where + ": neither exec, httpGet nor tcpSocket");
    }
  }

  @Test
  void stopGracePeriodsCoverTheDrainAndAgree() throws IOException {
    List<String> problems = new ArrayList<>();
    Map<String, Long> k8sGrace = new TreeMap<>();
    for (Container c : containers()) {
      CommandSpec leaf = c.mainCommand() == null ? null : parse(c.mainCommand(), problems);
      if (leaf == null || !PORT_OPTION.containsKey(leaf.qualifiedName())) {
        continue;
      }
      long grace = c.pod().path("terminationGracePeriodSeconds").asLong(30); // Kubernetes' default
      k8sGrace.put(leaf.qualifiedName(), grace);
      if (leaf.qualifiedName().equals(RUN)) {
        Duration needed = stopGrace(leaf, problems).plus(SHUTDOWN_HOOK_SLACK);
        if (grace < 30 || grace < needed.toSeconds()) {
          problems.add(c.where() + ": terminationGracePeriodSeconds " + grace + " is below 30 s or below --stop-grace + "
              + SHUTDOWN_HOOK_SLACK.toSeconds() + " s (" + needed.toSeconds() + " s)");
        }
      }
    }
    Map<String, Long> unitGrace = new TreeMap<>();
    for (Unit u : units()) {
      for (Invocation i : u.invocations()) {
        CommandSpec leaf = parse(i, problems);
        if (leaf == null) {
          continue;
        }
        String timeout = u.last("TimeoutStopSec");
        if (timeout == null || !timeout.matches("\\d+s?")) {
          problems.add(u.file() + ": TimeoutStopSec should be a number of seconds, is " + timeout);
          continue;
        }
        unitGrace.put(leaf.qualifiedName(), Long.parseLong(timeout.replace("s", "")));
        if (leaf.qualifiedName().equals(RUN) && stopGrace(leaf, problems).plus(SHUTDOWN_HOOK_SLACK).toSeconds() > unitGrace.get(RUN)) {
          problems.add(u.file() + ": TimeoutStopSec " + timeout + " is below --stop-grace + " + SHUTDOWN_HOOK_SLACK.toSeconds() + " s");
        }
      }
    }
    assertEquals(List.of(), problems);
    assertEquals(Set.of(RUN, COORDINATOR), k8sGrace.keySet());
    assertEquals(k8sGrace, unitGrace, "Kubernetes terminationGracePeriodSeconds and systemd TimeoutStopSec, per command");
  }

  private static Duration stopGrace(CommandSpec run, List<String> problems) {
    OptionSpec o = run.findOption("--stop-grace");
    if (o == null) {
      problems.add("imap-sync run has no --stop-grace (the fleet's drain on SIGTERM): not merged yet?");
      return Duration.ZERO;
    }
    return (Duration) o.getValue();
  }

  // ---------------------------------------------------------------------------------------------
  // Redis

  @Test
  void redisKeepsEveryWriteAndEvictsNothing() throws IOException {
    Map<String, String> directives = new LinkedHashMap<>();
    for (String line : Files.readAllLines(DEPLOY.resolve("redis/imap-sync.conf"))) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      String[] kv = l.split("\\s+", 2);
      assertEquals(2, kv.length, "no value: " + line);
      // Redis takes the last occurrence: a second one would quietly undo the first.
      assertNull(directives.put(kv[0].toLowerCase(), kv[1]), "set twice: " + kv[0]);
    }
    assertEquals("yes", directives.get("appendonly"));
    assertEquals("everysec", directives.get("appendfsync"));
    assertEquals("noeviction", directives.get("maxmemory-policy"));
  }

  // ---------------------------------------------------------------------------------------------
  // Reading the files

  /** bin/imap-sync or bin/syncctl with its arguments, found at {@code where}. */
  record Invocation(String where, String program, List<String> args) {
    @Override
    public String toString() {
      return where + ": " + program + " " + String.join(" ", args);
    }
  }

  /**
   * Parses an invocation as the program would at start (options, their values and types,
   * required parameters); adds what it refuses to {@code problems}. Returns the (sub)command it
   * runs, its options holding the values given or their defaults; null when refused.
   */
  static CommandSpec parse(Invocation i, List<String> problems) {
    CommandLine root = new CommandLine(i.program().equals("imap-sync") ? new ImapSyncCommand() : new SyncCtlCommand());
    if (!i.args().isEmpty() && !i.args().get(0).startsWith("-") && !root.getSubcommands().containsKey(i.args().get(0))) {
      // picocli would only say "Unmatched argument"
      problems.add(i + ": " + i.program() + " has no subcommand '" + i.args().get(0) + "' (it has "
          + root.getSubcommands().keySet() + "; not merged yet?)");
      return null;
    }
    try {
      ParseResult r = root.parseArgs(i.args().toArray(String[]::new));
      while (r.hasSubcommand()) {
        r = r.subcommand();
      }
      return r.commandSpec();
    } catch (CommandLine.ParameterException e) {
      problems.add(i + ": " + e.getMessage());
      return null;
    }
  }

  /** One container of a workload's pod template. */
  record Container(String where, JsonNode pod, JsonNode spec, Set<String> env) {
    /** What the container runs when it starts, if it runs one of our programs. */
    Invocation mainCommand() {
      List<String> argv = new ArrayList<>(texts(spec.path("command")));
      argv.addAll(texts(spec.path("args")));
      List<Invocation> found = invocations(where, argv);
      return found.isEmpty() ? null : found.get(0);
    }

    int portNamed(String name) {
      for (JsonNode p : spec.path("ports")) {
        if (p.path("name").asText().equals(name)) {
          return p.path("containerPort").asInt();
        }
      }
      return -1;
    }
  }

  private static List<Container> containers() throws IOException {
    List<Container> out = new ArrayList<>();
    for (JsonNode doc : k8sObjects()) {
      JsonNode pod = doc.path("spec").path("template").path("spec");
      for (String list : List.of("initContainers", "containers")) {
        for (JsonNode c : pod.path(list)) {
          Set<String> env = new TreeSet<>();
          c.path("env").forEach(e -> env.add(e.path("name").asText()));
          for (JsonNode from : c.path("envFrom")) {
            String kind = from.has("secretRef") ? "Secret" : "ConfigMap";
            env.addAll(keysOf(kind, from.path(kind.equals("Secret") ? "secretRef" : "configMapRef").path("name").asText()));
          }
          out.add(new Container(name(doc) + " container " + c.path("name").asText(), pod, c, env));
        }
      }
    }
    return out;
  }

  /** Every invocation of our programs in a container: its command, its probes, its hooks. */
  private static List<Invocation> k8sInvocations() throws IOException {
    List<Invocation> out = new ArrayList<>();
    for (Container c : containers()) {
      List<String> argv = new ArrayList<>(texts(c.spec().path("command")));
      argv.addAll(texts(c.spec().path("args")));
      out.addAll(invocations(c.where(), argv));
      for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
        out.addAll(invocations(c.where() + " " + probe, texts(c.spec().path(probe).path("exec").path("command"))));
      }
      for (String hook : List.of("postStart", "preStop")) {
        out.addAll(invocations(c.where() + " " + hook, texts(c.spec().path("lifecycle").path(hook).path("exec").path("command"))));
      }
    }
    return out;
  }

  /** The invocations in an argv: itself, or the commands of the script of {@code sh -c SCRIPT}. */
  static List<Invocation> invocations(String where, List<String> argv) {
    List<List<String>> commands = argv.size() >= 3 && argv.get(0).matches("(/bin/|/usr/bin/)?(ba)?sh") && argv.get(1).equals("-c")
        ? simpleCommands(argv.get(2)) : List.of(argv);
    List<Invocation> out = new ArrayList<>();
    for (List<String> words : commands) {
      for (int k = 0; k < words.size(); k++) {
        Matcher m = Pattern.compile("(?:^|/)bin/(imap-sync|syncctl)$").matcher(words.get(k));
        if (m.find()) {
          out.add(new Invocation(where, m.group(1), List.copyOf(words.subList(k + 1, words.size()))));
          break;
        }
      }
    }
    return out;
  }

  /** The shell code blocks of the deploy runbook. */
  private static List<Invocation> runbookInvocations() throws IOException {
    List<Invocation> out = new ArrayList<>();
    StringBuilder block = null;
    int start = 0;
    List<String> lines = Files.readAllLines(RUNBOOK);
    for (int n = 0; n < lines.size(); n++) {
      String line = lines.get(n);
      if (line.startsWith("```")) {
        if (block == null) {
          block = line.matches("```(bash|sh|shell)?\\s*") ? new StringBuilder() : null;
          start = n + 1;
          if (block == null) { // another language: skip to its end
            while (++n < lines.size() && !lines.get(n).startsWith("```")) {
              // skipped
            }
          }
        } else {
          for (List<String> words : simpleCommands(block.toString())) {
            out.addAll(invocations(RUNBOOK + " block at line " + start, words));
          }
          block = null;
        }
      } else if (block != null) {
        block.append(line).append('\n');
      }
    }
    return out;
  }

  /**
   * The simple commands of a shell script, quotes removed: words split at blanks, commands at
   * newlines, {@code ;}, {@code &} and {@code |}; comments dropped. Enough for the scripts in
   * deploy/ and the runbook (no expansions), not a shell.
   */
  static List<List<String>> simpleCommands(String script) {
    List<List<String>> out = new ArrayList<>();
    List<String> words = new ArrayList<>();
    StringBuilder word = null;
    int i = 0;
    int n = script.length();
    while (i < n) {
      char c = script.charAt(i);
      if (c == '\\' && i + 1 < n) {
        if (script.charAt(i + 1) != '\n') {
          word = word == null ? new StringBuilder() : word;
          word.append(script.charAt(i + 1));
        }
        i += 2;
      } else if (c == '\'' || c == '"') {
        int end = script.indexOf(c, i + 1);
        end = end < 0 ? n : end;
        word = word == null ? new StringBuilder() : word;
        word.append(script, i + 1, end);
        i = end + 1;
      } else if (c == '#' && word == null) {
        while (i < n && script.charAt(i) != '\n') {
          i++;
        }
      } else if (c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|') {
        if (word != null) {
          words.add(word.toString());
          word = null;
        }
        if (c != ' ' && c != '\t' && !words.isEmpty()) {
          out.add(words);
          words = new ArrayList<>();
        }
        i++;
      } else {
        word = word == null ? new StringBuilder() : word;
        word.append(c);
        i++;
      }
    }
    if (word != null) {
      words.add(word.toString());
    }
    if (!words.isEmpty()) {
      out.add(words);
    }
    return out;
  }

  /** A systemd unit's [Service] settings, continuation lines joined. */
  record Unit(Path file, Map<String, List<String>> service) {
    List<String> all(String key) {
      return service.getOrDefault(key, List.of());
    }

    String last(String key) {
      List<String> v = all(key);
      return v.isEmpty() ? null : v.get(v.size() - 1);
    }

    List<Invocation> invocations() {
      List<Invocation> out = new ArrayList<>();
      for (String key : List.of("ExecStartPre", "ExecStart", "ExecStartPost", "ExecReload", "ExecStop", "ExecStopPost")) {
        for (String line : all(key)) {
          // Prefixes such as "-" (ignore failure) or "+" (privileged) are systemd's, not the program's.
          String cmd = line.replaceFirst("^[-@:+!]+", "");
          for (List<String> words : simpleCommands(cmd)) {
            DeployManifestsTest.invocations(file + " " + key, words).forEach(out::add);
          }
        }
      }
      return out;
    }
  }

  private static List<Unit> units() throws IOException {
    List<Unit> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(SYSTEMD)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".service")).sorted().toList()) {
        Map<String, List<String>> service = new LinkedHashMap<>();
        String section = "";
        String pending = "";
        for (String raw : Files.readAllLines(f)) {
          String line = pending + raw.strip();
          if (line.endsWith("\\")) {
            pending = line.substring(0, line.length() - 1) + " ";
            continue;
          }
          pending = "";
          if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
            continue;
          }
          if (line.startsWith("[")) {
            section = line;
          } else if (section.equals("[Service]") && line.contains("=")) {
            String[] kv = line.split("=", 2);
            service.computeIfAbsent(kv[0].strip(), k -> new ArrayList<>()).add(kv[1].strip());
          }
        }
        out.add(new Unit(f, service));
      }
    }
    assertEquals(2, out.size(), "systemd units: " + out.stream().map(Unit::file).toList());
    return out;
  }

  private static List<Path> yamlFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
    }
  }

  static List<JsonNode> documents(Path file) throws IOException {
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
      List<JsonNode> docs = new ArrayList<>();
      while (it.hasNextValue()) {
        JsonNode d = it.nextValue();
        if (d != null && !d.isNull()) {
          docs.add(d);
        }
      }
      return docs;
    }
  }

  private static JsonNode single(Path file) throws IOException {
    List<JsonNode> docs = documents(file);
    assertEquals(1, docs.size(), file + ": documents");
    return docs.get(0);
  }

  /** The Kubernetes manifests by file, kustomization.yaml left out (it is kustomize's, not an object). */
  private static Map<Path, List<JsonNode>> k8sFiles() throws IOException {
    Map<Path, List<JsonNode>> out = new TreeMap<>();
    for (Path f : yamlFiles(K8S)) {
      if (!f.getFileName().toString().equals("kustomization.yaml")) {
        out.put(f, documents(f));
      }
    }
    return out;
  }

  private static List<JsonNode> k8sObjects() throws IOException {
    return k8sFiles().values().stream().flatMap(List::stream).toList();
  }

  /** The keys of the ConfigMap or Secret of that name, empty when there is none. */
  private static Set<String> keysOf(String kind, String name) throws IOException {
    Set<String> keys = new TreeSet<>();
    for (JsonNode doc : k8sObjects()) {
      if (doc.path("kind").asText().equals(kind) && doc.path("metadata").path("name").asText().equals(name)) {
        Stream.of("data", "stringData").forEach(f -> doc.path(f).fieldNames().forEachRemaining(keys::add));
      }
    }
    return keys;
  }

  private static String name(JsonNode doc) {
    return doc.path("kind").asText() + " " + doc.path("metadata").path("name").asText();
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** Whether every label of {@code wanted} is in {@code labels}, with the same value (and wanted is not empty). */
  private static boolean contains(JsonNode labels, JsonNode wanted) {
    if (wanted.isEmpty()) {
      return false;
    }
    var it = wanted.fields();
    while (it.hasNext()) {
      var e = it.next();
      if (!labels.path(e.getKey()).asText().equals(e.getValue().asText())) {
        return false;
      }
    }
    return true;
  }
}
