# Build with the project's own wrapper, run on a JRE.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml ./
RUN ./mvnw -B -q dependency:go-offline
COPY src src
RUN ./mvnw -B -q package -DskipTests

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home-dir /data keystonelight \
    && mkdir -p /data /app \
    && chown keystonelight /data
COPY --from=build /src/target/keystonelight.jar /app/keystonelight.jar
USER keystonelight
# The data file, its lock and the PID file live in the volume.
WORKDIR /data
VOLUME /data
# Inside the container the endpoints must listen on every interface to be reachable through
# published ports; publish them on the host's loopback unless you set a password. Without a
# password the server refuses a non-loopback address unless told that this is deliberate.
ENV KEYSTONELIGHT_SERVER_HOST=0.0.0.0 \
    KEYSTONELIGHT_SERVER_ALLOW_UNAUTHENTICATED_REMOTE=true \
    SERVER_ADDRESS=0.0.0.0
EXPOSE 7878 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s \
    CMD ["java", "-jar", "/app/keystonelight.jar", "ping"]
ENTRYPOINT ["java", "-jar", "/app/keystonelight.jar"]
CMD ["serve"]
