/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * Shared by the fuzz targets: each target defines LLVMFuzzerTestOneInput
 * (and may define LLVMFuzzerInitialize); libFuzzer drives it in the clang
 * fuzzing build (-Dfuzzing=true), ub-fuzz-main.c replays corpus files
 * through it in the normal builds (meson test --suite fuzz).
 */
#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

int  LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int  LLVMFuzzerInitialize   (int *argc, char ***argv);

/* A private folder for this process, removed at exit. */
const char *ub_fuzz_tmp_dir      (void);
/* Writes @len bytes to @path (creating parent folders); aborts on failure. */
void        ub_fuzz_write_file   (const char *path, const void *data, gsize len);
/* Removes @path and everything under it (no symlink is followed). */
void        ub_fuzz_remove_tree  (const char *path);
/* Quiets GLib's log output (warnings of the code under test are expected). */
void        ub_fuzz_quiet_logs   (void);

G_END_DECLS
