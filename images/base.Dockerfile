# The lab's base image for the container runtime's applications (the role's
# container_base_image in the lab): Debian with python3 and its venv module,
# from Debian's archive, no registry involved. Built by scripts/build-image.
ARG RELEASE=bookworm
FROM debian:${RELEASE}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv \
    && rm -rf /var/lib/apt/lists/*
