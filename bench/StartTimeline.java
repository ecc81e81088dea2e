/*
 * Where a start goes: runs the server as its entry point does (the same initializers), with
 * Spring's buffering ApplicationStartup, and prints the time of the entry point and of
 * ApplicationReadyEvent from the JVM's start, the classes loaded, then every startup step of at
 * least --min ms (default 50) with its offset from the JVM's start. The server's own log lines
 * (the data port, the announcement) carry their times; "process running for" ties them to the
 * JVM's start. Run it
 * on the extracted jar's classpath; server settings follow the options, e.g.
 *
 *   java -Djarmode=tools -jar target/keystonelight.jar extract --destination target/kl
 *   javac -cp 'target/kl/keystonelight.jar:target/kl/lib/*' -d target/kl-bench bench/StartTimeline.java
 *   java -Xlog:class+load:file=classes.txt:uptime -cp 'target/kl-bench:target/kl/keystonelight.jar:target/kl/lib/*' \
 *       StartTimeline --min 50 --keystonelight.server.port=0 --server.port=0
 *
 * The process exits once the server is ready. With -Xlog:class+load and uptime decorations, the
 * classes loaded per phase can be counted against the offsets printed here.
 */

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import io.keystonelight.KeystoneLightApplication;
import io.keystonelight.store.ReplayAhead;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.metrics.buffering.BufferingApplicationStartup;
import org.springframework.boot.context.metrics.buffering.StartupTimeline;
import org.springframework.context.ApplicationListener;

public final class StartTimeline {

    public static void main(String[] args) {
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        long mainAt = System.currentTimeMillis() - jvmStart;
        long min = 50;
        List<String> settings = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--min")) {
                min = Long.parseLong(args[++i]);
            }
            else {
                settings.add(args[i]);
            }
        }
        // As the entry point does: no background warm-up of Jackson and the like.
        System.setProperty("spring.backgroundpreinitializer.ignore", "true");
        SpringApplication server = new SpringApplication(KeystoneLightApplication.class);
        server.addInitializers(ReplayAhead.initializer());
        BufferingApplicationStartup startup = new BufferingApplicationStartup(100_000);
        server.setApplicationStartup(startup);
        long[] readyAt = new long[1];
        server.addListeners((ApplicationListener<ApplicationReadyEvent>) event -> readyAt[0] = System.currentTimeMillis()
                - jvmStart);
        server.run(settings.toArray(String[]::new));
        System.out.printf("TIMELINE main=%d ms, ApplicationReadyEvent=%d ms, classes loaded=%d (all from the JVM's start)%n",
                mainAt, readyAt[0], ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount());
        StartupTimeline timeline = startup.getBufferedTimeline();
        for (StartupTimeline.TimelineEvent event : timeline.getEvents()) {
            long duration = event.getDuration().toMillis();
            if (duration < min) {
                continue;
            }
            StringBuilder tags = new StringBuilder();
            event.getStartupStep().getTags().forEach(tag -> tags.append(' ').append(tag.getKey()).append('=')
                    .append(tag.getValue()));
            System.out.printf("STEP at=%d ms took=%d ms %s%s%n", event.getStartTime().toEpochMilli() - jvmStart,
                    duration, event.getStartupStep().getName(), tags);
        }
        System.exit(0);
    }
}
