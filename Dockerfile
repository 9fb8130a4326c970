# tsgate image, built from source in two stages (no JDK, Maven or sources in the image that runs):
#   docker build -t tsgate:0.1.0 .
#   docker run -p 9191:9191 -p 8431:8431 -v $PWD/keys:/keys:ro tsgate:0.1.0 -auth.publicKeyFiles=/keys/team.pem
# The health check asks /health on the plain-HTTP listener at $TSGATE_HTTP_PORT (8431); with -tls, or another
# -httpListenAddr port, set TSGATE_HTTP_PORT or override HEALTHCHECK (Kubernetes uses its own probes instead).

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# Dependencies first: this layer is reused while only sources change.
COPY pom.xml ./
RUN mvn -B -q dependency:go-offline -DexcludeGroupIds=io.tsgate || true
COPY src/main ./src/main
COPY envoy ./envoy
RUN mvn -B -q -Dmaven.test.skip=true package \
    && cp target/tsgate.jar /tsgate.jar

FROM eclipse-temurin:17-jre
LABEL org.opencontainers.image.title="tsgate" \
      org.opencontainers.image.description="Envoy external-authorization sidecar for VictoriaMetrics" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /tsgate.jar /opt/tsgate/tsgate.jar
COPY LICENSE /opt/tsgate/LICENSE
# nobody:nogroup: the process needs no file it owns; keys and configs are mounted read-only.
USER 65534:65534
ENV TSGATE_HTTP_PORT=8431
EXPOSE 9191 8431
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${TSGATE_HTTP_PORT} && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && head -c 12 <&3 | grep -q ' 200'"]
ENTRYPOINT ["java", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/tsgate/tsgate.jar"]
