/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * Helpers the C tests share (tests/common/libubtest, ubtest_dep): GLib and src/common only.
 * The emulated phone is in ub-test-phone.h, the checks in ub-test-preflight.h.
 * On failure they fail the test (g_assert), so callers need no error handling.
 */

#include <gio/gio.h>

G_BEGIN_DECLS

/* A new empty folder in the temporary directory (g_dir_make_tmp's @tmpl). */
char      *ub_test_make_tmp_dir (const char *tmpl);
/* Removes @path and everything below it; symbolic links are removed, not followed
 * (ub_file_remove_tree, errors ignored). */
void       ub_test_rm_rf        (const char *path);
/* Writes @len bytes of @data (-1: a string) to @dir/@name, making the folders
 * @name names; returns the file's path. */
char      *ub_test_write_file   (const char *dir,
                                 const char *name,
                                 const char *data,
                                 gssize      len);
/* The file at @path in the test fixtures (UB_FIXTURES_DIR), or NULL when the
 * variable is not set (outside meson test). */
char      *ub_test_fixture_path (const char *path);
/* The lowercase hex MD5 of the file at @path. */
char      *ub_test_md5_of_file  (const char *path);
/* The names in the folder @path, sorted (empty when it does not exist). */
GPtrArray *ub_test_list_dir     (const char *path);
/* @size bytes from GRand seeded with @seed: the same bytes for the same seed. */
GBytes    *ub_test_random_bytes (gsize       size,
                                 guint32     seed);
/* A whole ZIP archive of exactly @size bytes (> 140): one stored entry of
 * ub_test_random_bytes, the shape of a recovery ROM. */
GBytes    *ub_test_zip_bytes    (gsize       size,
                                 guint32     seed);
/* User + system CPU time of this process, in seconds. */
double     ub_test_cpu_seconds  (void);

G_END_DECLS
