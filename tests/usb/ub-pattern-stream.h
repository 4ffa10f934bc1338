/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Test-only: an input stream of @size pseudo-random bytes (a pure function
 * of @seed and the offset), so tests can send hundreds of MiB without
 * keeping them in memory or on disk.
 */
#define UB_TYPE_PATTERN_STREAM (ub_pattern_stream_get_type ())
G_DECLARE_FINAL_TYPE (UbPatternStream, ub_pattern_stream, UB, PATTERN_STREAM, GInputStream)

GInputStream *ub_pattern_stream_new        (guint64 size,
                                            guint64 seed);
/* Fills @buf with the bytes at [@offset, @offset + @len). */
void          ub_pattern_fill              (guint64 seed,
                                            guint64 offset,
                                            guint8 *buf,
                                            gsize   len);
/* SHA-256 (hex) of the whole pattern. */
char         *ub_pattern_sha256            (guint64 size,
                                            guint64 seed);

G_END_DECLS
