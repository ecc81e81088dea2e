package io.keystonelight.compaction;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.keystonelight.store.CompactionResult;

/** The words of a compaction's outcome, and the SIGUSR1 handler's source compiling cleanly. */
class CompactionHistoryTest {

    @Test
    void oneLiveKeyIsOneKey() {
        assertThat(CompactionHistory.summary(result(1))).isEqualTo(
                "compacted: 30 -> 10 bytes (20 reclaimed), 1 live key, took 3 ms");
        assertThat(CompactionHistory.summary(result(2))).contains(", 2 live keys,");
        assertThat(CompactionHistory.summary(result(0))).contains(", 0 live keys,");
    }

    @Test
    void theSignalHandlerCompilesWithoutWarnings(@TempDir Path out) {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, Locale.ROOT, null)) {
            Iterable<? extends JavaFileObject> source = files.getJavaFileObjects(
                    new File("src/main/java/io/keystonelight/compaction/CompactionSignal.java"));
            boolean compiled = compiler.getTask(null, files, diagnostics,
                    List.of("-Xlint:all", "--release", "17", "-d", out.toString()), null, source).call();
            assertThat(compiled).as("compiled: %s", diagnostics.getDiagnostics()).isTrue();
        }
        catch (java.io.IOException ex) {
            throw new AssertionError(ex);
        }
        List<String> warnings = new ArrayList<>();
        for (Diagnostic<? extends JavaFileObject> diagnostic : diagnostics.getDiagnostics()) {
            if (diagnostic.getKind() != Diagnostic.Kind.NOTE) {
                warnings.add(diagnostic.getKind() + ": " + diagnostic.getMessage(Locale.ROOT));
            }
        }
        assertThat(warnings).as("javac -Xlint:all on CompactionSignal.java").isEmpty();
    }

    private static CompactionResult result(long liveKeys) {
        return new CompactionResult(30, 10, liveKeys, 0, Duration.ofMillis(3), Duration.ZERO, null);
    }
}
