/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ub_file_remove_tree and ub_file_hash. */
#include "config.h"

#include <glib/gstdio.h>

#include "ub-file.h"

static void
test_remove_tree (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ub-file-XXXXXX", &error);
  g_autofree char *outside = g_dir_make_tmp ("ub-file-outside-XXXXXX", &error);
  g_autofree char *kept = g_build_filename (outside, "kept", NULL);
  g_autofree char *tree = g_build_filename (dir, "tree", NULL);
  g_autofree char *deep = g_build_filename (tree, "a", "b", "c", NULL);
  g_autofree char *file = g_build_filename (deep, "file", NULL);
  g_autofree char *link = g_build_filename (tree, "a", "link", NULL);
  g_autofree char *single = g_build_filename (dir, "single", NULL);

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (deep, 0755), ==, 0);
  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  g_assert_true (g_file_set_contents (kept, "keep me", -1, NULL));
  g_assert_cmpint (symlink (outside, link), ==, 0);
  g_assert_true (g_file_set_contents (single, "y", 1, NULL));

  g_assert_true (ub_file_remove_tree (tree, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (tree, G_FILE_TEST_EXISTS));
  /* the link went, not what it points to */
  g_assert_true (g_file_test (kept, G_FILE_TEST_IS_REGULAR));
  /* a plain file, and nothing at all */
  g_assert_true (ub_file_remove_tree (single, &error));
  g_assert_false (g_file_test (single, G_FILE_TEST_EXISTS));
  g_assert_true (ub_file_remove_tree (single, &error));
  g_assert_no_error (error);

  g_assert_true (ub_file_remove_tree (dir, NULL));
  g_assert_true (ub_file_remove_tree (outside, NULL));
  g_assert_false (g_file_test (outside, G_FILE_TEST_EXISTS));
}

static void
test_hash (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ub-file-XXXXXX", &error);
  g_autofree char *abc = g_build_filename (dir, "abc", NULL);
  g_autofree char *big = g_build_filename (dir, "big", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  g_autofree guint8 *data = g_malloc (3 * 1024 * 1024 + 7);
  g_autofree char *expected = NULL;
  g_autoptr(UbProgress) progress = ub_progress_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  char *md5;

  g_assert_true (g_file_set_contents (abc, "abc", 3, NULL));
  md5 = ub_file_hash (abc, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (md5, ==, "900150983cd24fb0d6963f7d28e17f72");
  g_free (md5);

  /* several reads: every byte counted in the progress */
  for (gsize i = 0; i < 3 * 1024 * 1024 + 7; i++)
    data[i] = (guint8) (i * 7 + i / 4096);
  g_assert_true (g_file_set_contents (big, (const char *) data, 3 * 1024 * 1024 + 7, NULL));
  expected = g_compute_checksum_for_data (G_CHECKSUM_MD5, data, 3 * 1024 * 1024 + 7);
  ub_progress_add_bytes (progress, 3);   /* another file's, counted before */
  md5 = ub_file_hash (big, progress, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (md5, ==, expected);
  g_assert_cmpuint (ub_progress_get_bytes_done (progress), ==, 3 + 3 * 1024 * 1024 + 7);
  g_free (md5);

  g_assert_null (ub_file_hash (missing, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_cancellable_cancel (cancellable);
  g_assert_null (ub_file_hash (big, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  g_assert_true (ub_file_remove_tree (dir, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/file/remove-tree", test_remove_tree);
  g_test_add_func ("/file/hash", test_hash);
  return g_test_run ();
}
