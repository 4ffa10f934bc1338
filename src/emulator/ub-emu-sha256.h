/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * SHA-256 for the emulated phone's write log, with libcrypto (SHA-NI /
 * assembly, ~5× GLib's C code): the emulator hashes every byte it
 * receives, which otherwise makes it, not the host, the bottleneck of tests
 * and benchmarks.
 */
typedef struct _UbEmuSha256 UbEmuSha256;

UbEmuSha256 *ub_emu_sha256_new    (void);
void         ub_emu_sha256_update (UbEmuSha256  *self,
                                   const guint8 *data,
                                   gsize         len);
/* 64 lower-case hex digits; the state is spent. */
char        *ub_emu_sha256_finish (UbEmuSha256  *self);
void         ub_emu_sha256_free   (UbEmuSha256  *self);

G_END_DECLS
