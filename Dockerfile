# KeystoneLight: built from source with the project's own Maven wrapper, run on Debian's OpenJDK 25.
# The project targets Java 17 (the build compiles with --release 17, set by the pom) and runs on it;
# the image runs 25 because its AOT cache starts the server fastest (measured: bench/results).
# Every stage starts from the one pinned Debian release; docker/test-image builds that base from
# Debian's packages, builds this file unchanged with podman and checks the image that comes out.

# The Java runtime, shared by both stages below. The slim image has no man page folders, which
# OpenJDK's post-install step links into.
FROM debian:13.8-slim AS jre
RUN mkdir -p /usr/share/man/man1 \
    && apt-get update \
    && apt-get install -y --no-install-recommends openjdk-25-jre-headless \
    && rm -rf /var/lib/apt/lists/*

# Debian 13 has no JDK 17; 25's compiles the same class files for 17.
FROM jre AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends openjdk-25-jdk-headless \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The wrapper, the build file and the dependencies first: a change to the code reuses this layer.
COPY .mvn .mvn
COPY mvnw pom.xml ./
RUN ./mvnw -B -q dependency:go-offline
COPY src src
RUN ./mvnw -B -q package -DskipTests \
    && java -Djarmode=tools -jar target/keystonelight.jar extract --layers --destination /extracted

FROM jre
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home keystonelight \
    && mkdir /data \
    && chown keystonelight:keystonelight /data \
    && chmod 700 /data
# The jar's layers, least often changed first: a code change ships only the last one.
COPY --from=build /extracted/dependencies/ /app/
COPY --from=build /extracted/spring-boot-loader/ /app/
COPY --from=build /extracted/snapshot-dependencies/ /app/
COPY docker/healthcheck docker/aot-training /app/
COPY --from=build /extracted/application/ /app/
# The AOT cache (JEP 483, 514, 515), as Spring Boot documents it: one training start that
# completes and is stopped (docker/aot-training: it starts on a data file of 200,000 keys, and
# answers a client's and the HEALTHCHECK's first requests) records the classes it loaded and linked, and the profiles of the methods it
# ran, into a cache in a layer of its own after the code's (it is remade with every code change,
# about 75 MB). The JVM maps them at start instead of loading, verifying and linking each from
# the jars.
RUN /app/aot-training -XX:AOTCacheOutput=/app/keystonelight.aot \
    && { [ -s /app/keystonelight.aot ] || { echo "the training start wrote no AOT cache"; exit 1; }; }
USER keystonelight
# The data file, its lock and the PID file live in the volume.
WORKDIR /data
VOLUME /data
# Inside the container both endpoints listen on every interface, so that published ports reach
# them. The server then refuses to start without a password: give KEYSTONELIGHT_SERVER_PASSWORD,
# or, on a network you trust, KEYSTONELIGHT_SERVER_ALLOW_UNAUTHENTICATED_REMOTE=true, at run time.
# Health over HTTP shows each component's status, not its details (file paths, reasons). Open
# connections get 5 s to finish on SIGTERM, well inside the 10 s docker stop waits before it kills.
ENV KEYSTONELIGHT_SERVER_HOST=0.0.0.0 \
    SERVER_ADDRESS=0.0.0.0 \
    MANAGEMENT_ENDPOINT_HEALTH_SHOW_DETAILS=when-authorized \
    MANAGEMENT_ENDPOINT_HEALTH_SHOW_COMPONENTS=always \
    KEYSTONELIGHT_SERVER_SHUTDOWN_TIMEOUT=5s
EXPOSE 7878 8080
# Asks Actuator over HTTP with bash alone: unhealthy while the store is DOWN or not yet ready.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["/app/healthcheck"]
# java is PID 1 and gets docker stop's SIGTERM itself; the heap follows the container's memory limit.
# A cache that does not match the JVM or the jars is ignored with a warning: the start is slower,
# nothing else changes.
# The heap gives back what a collection frees, so that the memory the container holds follows the
# data: a concurrent collection once no other ran for 5 s, and the heap shrunk to keep at most 30%
# of it free. Without these the heap grown while a large data file is replayed stays committed:
# with 1M keys, 20 s after the start, 337-404 MB of RSS without them, 267-288 MB with them.
ENTRYPOINT ["java", "-XX:AOTCache=/app/keystonelight.aot", "-XX:MaxRAMPercentage=75", \
    "-XX:G1PeriodicGCInterval=5000", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30", \
    "-jar", "/app/keystonelight.jar"]
CMD ["serve"]
