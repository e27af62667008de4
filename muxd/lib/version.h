/*
 * version.h — the version muxd and its API report: `git describe --always
 * --dirty` of the tree it was built from, or the Debian package's version
 * when the package builds it (make VERSION=...). The string is generated
 * at build time (scripts/gen-version.sh, build/gen/version.c).
 */
#ifndef BGPMUX_VERSION_H
#define BGPMUX_VERSION_H

extern const char bgpmux_version[];

#endif
